package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"huitong/gbcode"
)

func TestInitThenAuditVerify(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Setenv("HUITONG_INIT_PASSWORD", "")
	code := gbcode.MakeUSCC('1', '1', "620000", "01360001")
	var out, errb bytes.Buffer
	args := []string{"init", "--data", dir, "--authority-code", code, "--authority-name", "甘肃省大数据管理局", "--jurisdiction", "620000"}

	// A weak password is refused with the policy's reason.
	err := run(ctx, args, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "password") {
		t.Fatalf("init with an empty password: got %v", err)
	}
	t.Setenv("HUITONG_INIT_PASSWORD", "Gansu-ops-2026")
	if err := run(ctx, args, &out, &errb); err != nil {
		t.Fatalf("init: %v\n%s", err, errb.String())
	}
	if !strings.Contains(out.String(), "operator account admin") {
		t.Fatalf("init output: %q", out.String())
	}
	if err := run(ctx, args, &out, &errb); err == nil || !strings.Contains(err.Error(), "already has accounts") {
		t.Fatalf("second init: got %v, want refusal", err)
	}

	out.Reset()
	if err := run(ctx, []string{"audit", "verify", "--data", dir}, &out, &errb); err != nil {
		t.Fatalf("audit verify: %v", err)
	}
	if !strings.Contains(out.String(), "audit chain OK: 2 entries verified") {
		t.Fatalf("audit verify output: %q", out.String())
	}

	// Tamper with the first entry: verify names it and exits 2.
	db, err := sql.Open("sqlite", filepath.Join(dir, "huitong.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE audit_log SET object = 'forged' WHERE seq = 1`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out.Reset()
	err = run(ctx, []string{"audit", "verify", "--data", dir}, &out, &errb)
	var ex exitError
	if !errors.As(err, &ex) || ex != 2 || !strings.Contains(out.String(), "first bad entry 1") {
		t.Fatalf("tampered chain: got %v, output %q", err, out.String())
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"frobnicate"}, &out, &errb); err == nil || !strings.Contains(errb.String(), "Usage") {
		t.Fatalf("got %v, usage %q", err, errb.String())
	}
}
