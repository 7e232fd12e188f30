package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"huitong"
	"huitong/app"
	"huitong/catalogio"
)

// catalogCmd exports or imports the catalog against the database directly.
// Whoever runs it has the database, so it acts as the account named by
// --as, with that account's department and roles; the acts are audited
// under that name like any other.
func catalogCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "export" && args[0] != "import") {
		return errors.New("usage: huitong catalog export|import --as USERNAME [--format json|xlsx] [--file PATH] [--submit] [--dry-run]")
	}
	verb := args[0]
	m := app.NewMain()
	m.LogOut = stderr
	m.Config.LogLevel = "warn"
	fs, err := flags("catalog "+verb, &m.Config, stderr)
	if err != nil {
		return err
	}
	as := fs.String("as", "", "act as this account (required)")
	format := fs.String("format", "", "json or xlsx (default: from the file name, else json)")
	file := fs.String("file", "", "file to read (import) or write (export); default standard input/output")
	submit := fs.Bool("submit", false, "import: submit each created entry for review")
	dry := fs.Bool("dry-run", false, "import: validate only, create nothing")
	scope := fs.String("scope", "published", "export: published or working")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *as == "" {
		return errors.New("--as USERNAME is required: the acts are recorded under that account")
	}
	f := catalogio.Format(*format)
	if f == "" {
		f = catalogio.JSON
		if strings.EqualFold(filepath.Ext(*file), ".xlsx") {
			f = catalogio.XLSX
		}
	}
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Close()
	users, err := m.DB.Users(ctx, huitong.UserFilter{Username: *as})
	if err != nil {
		return err
	}
	if len(users) == 0 || users[0].Disabled {
		return fmt.Errorf("no active account %q", *as)
	}
	u := users[0]
	pctx := huitong.WithPrincipal(ctx, &huitong.Principal{UserID: u.ID, Username: u.Username, Department: u.Department, Roles: u.Roles})
	if err := m.Catalog.Rebuild(ctx); err != nil {
		return err
	}
	if verb == "export" {
		w := bufio.NewWriter(stdout)
		if *file != "" {
			out, err := os.Create(*file)
			if err != nil {
				return err
			}
			defer out.Close()
			w = bufio.NewWriter(out)
		}
		n, err := catalogio.Export(pctx, m.Catalog, w, f, huitong.ResourceFilter{}, *scope)
		if err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "exported %d entries\n", n)
		return nil
	}
	var in io.Reader = os.Stdin
	if *file != "" {
		fh, err := os.Open(*file)
		if err != nil {
			return err
		}
		defer fh.Close()
		in = fh
	}
	rep, err := catalogio.Import(pctx, m.Catalog, in, f, catalogio.Options{Submit: *submit, DryRun: *dry})
	if err != nil {
		return err
	}
	for _, e := range rep.Errors {
		fmt.Fprintf(stdout, "%s row %d, %s: %s [%s] %s\n", e.Sheet, e.Row, e.Field, e.Message, e.Rule, e.Value)
	}
	b, _ := json.Marshal(map[string]any{"rows": rep.Rows, "created": rep.Created, "skipped": rep.Skipped, "errors": len(rep.Errors)})
	fmt.Fprintln(stdout, string(b))
	return nil
}
