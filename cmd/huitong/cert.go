package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"huitong"
	"huitong/app"
	"huitong/cert"
	"huitong/gm"
)

const certUsage = `usage:
  huitong cert verify FILE [--pubkey PEM] [--maker PEM]   verify an exported certificate offline
  huitong cert export ID [--out FILE] [--data DIR | --db DSN]   export a certificate from the library`

// certCmd runs the certificate subcommands.
func certCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(certUsage)
	}
	switch args[0] {
	case "verify":
		return certVerify(args[1:], stdout, stderr)
	case "export":
		return certExport(ctx, args[1:], stdout, stderr)
	}
	return errors.New(certUsage)
}

// certVerify checks an exported file offline: exit 0 when valid, 3 with
// the reasons when not, 1 when the file cannot be read.
func certVerify(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("cert verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pubkey := fs.String("pubkey", "", "PEM file of the seal's public key to pin (only this key is accepted)")
	maker := fs.String("maker", "", "PEM file of the platform seal maker's key (GET /api/v1/seal-maker); default: the key in the file")
	file, rest := "", args
	if len(rest) > 0 && rest[0] != "" && rest[0][0] != '-' {
		file, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
	}
	if file == "" {
		return errors.New("usage: huitong cert verify FILE [--pubkey PEM] [--maker PEM]")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var opt cert.VerifyOptions
	for _, k := range []struct {
		path string
		dst  **gm.PublicKey
	}{{*pubkey, &opt.Pinned}, {*maker, &opt.Maker}} {
		if k.path == "" {
			continue
		}
		b, err := os.ReadFile(k.path)
		if err != nil {
			return err
		}
		if *k.dst, err = gm.ParsePublicKeyPEM(b); err != nil {
			return fmt.Errorf("%s: %w", k.path, err)
		}
	}
	v, err := cert.VerifyExport(data, opt)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	verdict := "VALID 有效"
	if !v.Valid {
		verdict = "INVALID 无效"
	}
	fmt.Fprintf(stdout, "%s: %s\n", file, verdict)
	fmt.Fprintf(stdout, "  证照: %s %s\n  颁发机构: %s (%s)\n  持证主体: %s %s\n  有效期: %s 至 %s\n  印章: %s %s\n",
		v.Type.Name, v.ID, v.Issuer.Name, v.Issuer.Code, v.Holder.Name, v.Holder.ID, v.ValidFrom, orLong(v.ValidTo), v.Seal.ID, v.Seal.Name)
	fmt.Fprintf(stdout, "  checks: signature=%v seal=%v status=%v (%s)\n", v.Checks.Signature, v.Checks.Seal, v.Checks.Status, v.Status)
	for _, r := range v.Reasons {
		fmt.Fprintf(stdout, "  - %s: %s\n", r.Rule, r.Message)
	}
	if !v.Valid {
		return exitError(3)
	}
	return nil
}

func orLong(s string) string {
	if s == "" {
		return "长期"
	}
	return s
}

// certExport writes a certificate's export file from the library.
func certExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	m := app.NewMain()
	m.LogOut = io.Discard
	fs, err := flags("cert export", &m.Config, stderr)
	if err != nil {
		return err
	}
	out := fs.String("out", "", "file to write (default: standard output)")
	id, rest := "", args
	if len(rest) > 0 && rest[0] != "" && rest[0][0] != '-' {
		id, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if id == "" && fs.NArg() > 0 {
		id = fs.Arg(0)
	}
	if id == "" {
		return errors.New("usage: huitong cert export ID [--out FILE] [--data DIR | --db DSN]")
	}
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Close()
	x, err := m.Certs.Export(huitong.WithPrincipal(ctx, huitong.System), id)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if *out == "" {
		_, err = stdout.Write(b)
		return err
	}
	return os.WriteFile(*out, b, 0o600)
}
