package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"huitong/httpapi"
	"huitong/ingest/ingesttest"
	"huitong/store"
)

func TestImport(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "huitong.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	e, err := ingesttest.Setup(db, ingesttest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	id := ingesttest.CitizenID("620102", "19900101", 11)
	file := filepath.Join(dir, "people.csv")
	os.WriteFile(file, []byte("公民身份号码,姓名\n"+id+",张三\n"+id[:17]+"0,李四\n"), 0o600)
	garbage := filepath.Join(dir, "photo.csv")
	os.WriteFile(garbage, []byte("\x89PNG\r\n\x1a\n\x00\x00"), 0o600)

	t.Run("Direct", func(t *testing.T) {
		var out, errb bytes.Buffer
		err := run(ctx, []string{"import", "--data", dir, "--resource", e.People, "--file", file}, &out, &errb)
		if err != nil {
			t.Fatalf("import: %v\n%s", err, errb.String())
		}
		for _, want := range []string{"接收(accepted) 1", "拒收(rejected) 1", "citizen_id.checkdigit", "100.0%"} {
			if !strings.Contains(out.String()+errb.String(), want) {
				t.Fatalf("output lacks %q:\n%s\n%s", want, out.String(), errb.String())
			}
		}
	})
	t.Run("Unreadable", func(t *testing.T) {
		var out, errb bytes.Buffer
		err := run(ctx, []string{"import", "--data", dir, "--resource", e.People, "--file", garbage, "--quiet"}, &out, &errb)
		var ex exitError
		if !errors.As(err, &ex) || ex != 2 || !strings.Contains(errb.String(), "图片") {
			t.Fatalf("got %v, stderr %q; want exit 2 with the reason", err, errb.String())
		}
	})
	t.Run("Missing", func(t *testing.T) {
		var out, errb bytes.Buffer
		if err := run(ctx, []string{"import", "--data", dir, "--resource", e.People, "--file", filepath.Join(dir, "nope.csv")}, &out, &errb); err == nil {
			t.Fatal("a missing file: want an error")
		}
	})
	t.Run("Server", func(t *testing.T) {
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		s := &httpapi.Server{Identity: e.Identity, Catalog: e.Catalog, Ingest: e.Ingest, DB: db, Log: log}
		mux := http.NewServeMux()
		s.Register(mux)
		srv := httptest.NewServer(mux)
		defer srv.Close()
		key, _, err := e.Identity.CreateAPIKey(e.As("gat-admin"), "导入")
		if err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		err = run(ctx, []string{"import", "--server", srv.URL, "--key", key, "--resource", e.People, "--file", file, "--mode", "full", "--quiet"}, &out, &errb)
		if err != nil || !strings.Contains(out.String(), "全量") || !strings.Contains(out.String(), "与批次 1 内容相同") {
			t.Fatalf("server import: %v\n%s\n%s", err, out.String(), errb.String())
		}
		err = run(ctx, []string{"import", "--server", srv.URL, "--key", "htk_wrong", "--resource", e.People, "--file", file, "--quiet"}, &out, &errb)
		if err == nil || !strings.Contains(errb.String(), "401") {
			t.Fatalf("bad key: got %v, stderr %q", err, errb.String())
		}
	})
}
