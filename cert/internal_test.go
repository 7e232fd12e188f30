package cert

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"huitong"
	"huitong/gbcode"
	"huitong/gm"
	"huitong/store"
	"huitong/store/storetest"
)

// TestSealExpiredAtSigningForged stores a certificate whose signing time
// lies after its seal's validity (as a forger with the key would make) and
// checks that verification reports it.
func TestSealExpiredAtSigningForged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		key := make([]byte, gm.MasterKeySize)
		rand.Read(key)
		keys, _ := gm.NewKeyring(key)
		s := New(db, keys, Config{SealYears: 1}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
		t.Cleanup(func() { s.Close() })
		ctx := context.Background()
		dept := &huitong.Department{Code: gbcode.MakeUSCC('1', '1', "620000", "01380001"), Name: "甘肃省市场监督管理局", Jurisdiction: "620000", Level: huitong.LevelProvince, CreatedAt: time.Now()}
		if err := db.Update(ctx, func(tx *store.Tx) error { return tx.InsertDepartment(ctx, dept) }); err != nil {
			t.Fatal(err)
		}
		admin := huitong.WithPrincipal(ctx, &huitong.Principal{UserID: 1, Username: "a", Department: dept.Code, Roles: []huitong.Role{huitong.RoleDeptAdmin}})
		seal, err := s.CreateSeal(admin, SealRequest{})
		if err != nil {
			t.Fatal(err)
		}
		typ := &huitong.CertType{Code: gbcode.MakeUSCC('1', '1', "100000", "00000013") + "001", Name: "营业执照", HolderKind: huitong.HolderEntity, Validity: huitong.CertValidity{Permanent: true}}
		ic := &issueCtx{t: typ, dept: dept, now: seal.ValidTo.Add(24 * time.Hour), by: "forger"}
		var v huitong.Validation
		c, doc := ic.build(&huitong.IssueRequest{Serial: "1", HolderName: "某公司", HolderID: gbcode.MakeUSCC('9', '1', "620100", "MA700001")}, 1, &v)
		if err := v.Err(); err != nil {
			t.Fatal(err)
		}
		err = db.Update(ctx, func(tx *store.Tx) error {
			sealed, err := tx.SealKey(ctx, seal.ID)
			if err != nil {
				return err
			}
			k, err := keys.OpenPrivateKey(sealed, "seal:"+seal.ID)
			if err != nil {
				return err
			}
			if err := (&signer{seal: seal, key: k}).sign(c, doc); err != nil {
				return err
			}
			return tx.InsertCertificates(ctx, []*huitong.Certificate{c})
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Verify(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Valid || got.Checks.Seal || !got.Checks.Signature || got.Reasons[0].Rule != RuleSealExpired {
			t.Errorf("got valid=%v seal=%v signature=%v %v, want invalid by %s only", got.Valid, got.Checks.Seal, got.Checks.Signature, got.Reasons, RuleSealExpired)
		}
	})
}

// TestIDOf holds the piecewise identifier check to the identifier built
// from the parts.
func TestIDOf(t *testing.T) {
	typ, issuer := gbcode.MakeUSCC('1', '1', "100000", "00000013")+"001", gbcode.MakeUSCC('1', '1', "620000", "01380001")
	good, err := gbcode.MakeCertID(typ, issuer, "20260000001", "001")
	if err != nil {
		t.Fatal(err)
	}
	doc := &Document{Type: DocType{Code: typ}, Issuer: DocIssuer{Code: issuer}, Serial: "20260000001", Version: "001"}
	wrongCheck := good[:len(good)-1] + "0"
	if wrongCheck == good {
		wrongCheck = good[:len(good)-1] + "1"
	}
	for _, tt := range []struct {
		name, id string
		want     bool
	}{
		{"OK", good, true},
		{"ErrCheck", wrongCheck, false},
		{"ErrPrefix", "9" + good[1:], false},
		{"ErrSerial", strings.Replace(good, ".20260000001.", ".20260000002.", 1), false},
		{"ErrTrailing", good + "0", false},
		{"ErrMissingCheck", good[:len(good)-2], false},
		{"ErrEmpty", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := *doc
			d.ID = tt.id
			if got := idOf(&d); got != tt.want {
				t.Errorf("idOf(%q): got %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

// TestVerifySwappedRow stores one certificate's payload and signature in
// another's row, as a tampering with the database would, and checks that
// verifying by the row's identifier reports it rather than showing the
// other, validly signed certificate.
func TestVerifySwappedRow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		key := make([]byte, gm.MasterKeySize)
		rand.Read(key)
		keys, _ := gm.NewKeyring(key)
		s := New(db, keys, Config{}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
		t.Cleanup(func() { s.Close() })
		ctx := context.Background()
		dept := &huitong.Department{Code: gbcode.MakeUSCC('1', '1', "620000", "01380001"), Name: "甘肃省市场监督管理局", Jurisdiction: "620000", Level: huitong.LevelProvince, CreatedAt: time.Now()}
		if err := db.Update(ctx, func(tx *store.Tx) error { return tx.InsertDepartment(ctx, dept) }); err != nil {
			t.Fatal(err)
		}
		sys := huitong.WithPrincipal(ctx, huitong.System)
		typ := &huitong.CertType{Definer: gbcode.MakeUSCC('1', '1', "100000", "00000013"), DefinerName: "国家市场监督管理总局", Name: "营业执照",
			HolderKind: huitong.HolderEntity, Validity: huitong.CertValidity{Permanent: true}, Issuers: []string{dept.Code},
			Items: []huitong.CertItem{{Code: "fddbr", Name: "法定代表人", Type: huitong.TypeString, Required: true}}}
		if err := s.CreateType(sys, typ); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateSeal(sys, SealRequest{Department: dept.Code}); err != nil {
			t.Fatal(err)
		}
		staff := huitong.WithPrincipal(ctx, &huitong.Principal{UserID: 1, Username: "s", Department: dept.Code, Roles: []huitong.Role{huitong.RoleStaff}})
		var certs [2]*huitong.Certificate
		for i := range certs {
			c, err := s.Issue(staff, &huitong.IssueRequest{TypeCode: typ.Code, HolderName: "某公司", HolderID: gbcode.MakeUSCC('9', '1', "620100", fmt.Sprintf("MA70000%d", i)),
				Data: map[string]string{"fddbr": "王芳"}})
			if err != nil {
				t.Fatal(err)
			}
			certs[i] = c
		}
		if v, err := s.Verify(ctx, certs[0].ID); err != nil || !v.Valid {
			t.Fatalf("before the swap: got %+v (%v), want valid", v, err)
		}
		err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE certificates SET payload = (SELECT payload FROM certificates WHERE id = ?), signature = (SELECT signature FROM certificates WHERE id = ?) WHERE id = ?`,
				certs[1].ID, certs[1].ID, certs[0].ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		v, err := s.Verify(ctx, certs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Valid || !v.Checks.Signature || !slices.ContainsFunc(v.Reasons, func(r Reason) bool { return r.Rule == RuleIdentifier }) {
			t.Errorf("after the swap: got valid=%v signature=%v %v, want invalid by %s with a good signature", v.Valid, v.Checks.Signature, v.Reasons, RuleIdentifier)
		}
	})
}
