package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"huitong"
	"huitong/app"
	"huitong/identity"
)

// initPlatform bootstraps an empty database for production: the data
// authority department and the first operator account. It refuses when
// any account exists, so it cannot be used to add a back door later. The
// password comes from HUITONG_INIT_PASSWORD or the first line of standard
// input, never from a flag (flags show up in process lists).
func initPlatform(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	m := app.NewMain()
	m.LogOut = stderr
	fs, err := flags("init", &m.Config, stderr)
	if err != nil {
		return err
	}
	code := fs.String("authority-code", "", "unified social credit code of the data authority (大数据管理局)")
	name := fs.String("authority-name", "", "its name, e.g. 甘肃省大数据管理局")
	jurisdiction := fs.String("jurisdiction", "", "its 6-digit division code, e.g. 620000")
	username := fs.String("username", "admin", "the operator account to create")
	display := fs.String("display-name", "平台运维", "the operator's name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	password := os.Getenv("HUITONG_INIT_PASSWORD")
	if password == "" {
		fmt.Fprint(stderr, "password for "+*username+": ")
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		password = strings.TrimRight(line, "\r\n")
	}
	// Check the password before anything is written, so a refused password
	// leaves the database empty.
	if err := identity.ValidatePassword(password); err != nil {
		return fmt.Errorf("init: password: %w", err)
	}
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Close()
	users, err := m.DB.Users(ctx, huitong.UserFilter{})
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return errors.New("init: the database already has accounts; sign in as an operator to add more")
	}
	sys := huitong.WithPrincipal(ctx, huitong.System)
	d := &huitong.Department{Code: *code, Name: *name, Jurisdiction: *jurisdiction, Authority: true}
	if err := m.Identity.CreateDepartment(sys, d); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	u := &huitong.User{Username: *username, DisplayName: *display, Department: d.Code,
		Roles: []huitong.Role{huitong.RoleOperator, huitong.RoleReviewer}}
	if err := m.Identity.CreateUser(sys, u, password); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	fmt.Fprintf(stdout, "created %s (%s) and operator account %s\n", d.Name, d.Code, u.Username)
	return nil
}
