package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"huitong"
	"huitong/cert"
	"huitong/gm"
	"huitong/store"
	"huitong/store/storetest"
)

// TestCertVerify runs `huitong cert verify` on a real export: exit 0 when
// valid, exit status 3 with the reason when tampered or pinned to another key.
func TestCertVerify(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	key := make([]byte, gm.MasterKeySize)
	key[0] = 1
	keys, _ := gm.NewKeyring(key)
	svc := cert.New(db, keys, cert.Config{}, nil, nil)
	staff, typ, err := benchCertSetup(ctx, db, svc)
	if err != nil {
		t.Fatal(err)
	}
	c, err := svc.Issue(staff, benchReq(typ.Code, 1))
	if err != nil {
		t.Fatal(err)
	}
	x, err := svc.Export(huitong.WithPrincipal(ctx, huitong.System), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, v any) string {
		b, _ := json.Marshal(v)
		if s, ok := v.(string); ok {
			b = []byte(s)
		}
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o600)
		return p
	}
	good := write("good.json", x)
	tampered := *x
	p, _ := base64.StdEncoding.DecodeString(x.Payload)
	tampered.Payload = base64.StdEncoding.EncodeToString(bytes.Replace(p, []byte("张伟"), []byte("李四"), 1))
	bad := write("tampered.json", &tampered)
	other, _ := gm.GenerateKey()
	otherPEM := write("other.pem", string(other.Public().PEM()))
	sealPEM := write("seal.pem", x.PublicKey)

	for _, tc := range []struct {
		name     string
		args     []string
		exit     int
		contains string
	}{
		{"OK", []string{"cert", "verify", good}, 0, "VALID"},
		{"OKPinned", []string{"cert", "verify", good, "--pubkey", sealPEM}, 0, "VALID"},
		{"ErrTampered", []string{"cert", "verify", bad}, 3, cert.RuleSignature},
		{"ErrOtherKey", []string{"cert", "verify", good, "--pubkey", otherPEM}, 3, cert.RuleSealKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(ctx, tc.args, &out, &errOut)
			code := 0
			var ex exitError
			if errors.As(err, &ex) {
				code = int(ex)
			} else if err != nil {
				code = 1
			}
			if code != tc.exit || !strings.Contains(out.String(), tc.contains) {
				t.Errorf("got exit %d (%v) and %q, want exit %d mentioning %s", code, err, out.String(), tc.exit, tc.contains)
			}
		})
	}
}

// TestSignStoreFloor runs the benchmark's ceiling on both engines: every
// row lands once, with a signature that verifies over the payload, and
// the scratch table is gone afterwards.
func TestSignStoreFloor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		key, _ := gm.GenerateKey()
		payload := []byte(`{"holder":"兰州汇通商贸有限公司"}`)
		var rows []struct{ id, sig string }
		probe := func(tx *store.Tx) error {
			r, err := tx.QueryContext(ctx, `SELECT id, signature FROM bench_cert_floor ORDER BY id`)
			if err != nil {
				return err
			}
			defer r.Close()
			for r.Next() {
				var row struct{ id, sig string }
				if err := r.Scan(&row.id, &row.sig); err != nil {
					return err
				}
				rows = append(rows, row)
			}
			return r.Err()
		}
		// 1,234 rows: a partial transaction and a partial statement at the end.
		m, err := signStoreFloorWith(ctx, db, 1234, 2, payload, key, probe)
		if err != nil {
			t.Fatal(err)
		}
		if m.perSec <= 0 || len(rows) != 1234 {
			t.Fatalf("rate %v, %d rows", m.perSec, len(rows))
		}
		for i, r := range rows {
			sig, _ := base64.StdEncoding.DecodeString(r.sig)
			if want := fmt.Sprintf("1.2.156.3005.2.floor.%09d", i); r.id != want || !key.Public().Verify(payload, sig) {
				t.Fatalf("row %d: %s, signature verifies %v", i, r.id, key.Public().Verify(payload, sig))
			}
		}
		if _, err := db.ExecContext(ctx, `SELECT 1 FROM bench_cert_floor`); err == nil {
			t.Fatal("scratch table left behind")
		}
	})
}
