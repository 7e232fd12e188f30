package cert_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"huitong"
	"huitong/cert"
	"huitong/store"
	"huitong/store/storetest"
)

func TestShowCodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, cert.Config{ShowClientFailures: 3, ShowGlobalFailures: 8})
		c := e.issue(t, 20)
		sc, err := e.s.CreateShowCode(e.police1, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(sc.Code) != 6 || sc.QR == "" || !sc.ExpiresAt.Equal(e.clk.Now().Add(5*time.Minute)) {
			t.Fatalf("got %+v, want a 6-digit code, a QR and 5 minutes", sc)
		}
		v, err := e.s.VerifyShowCode(e.op, sc.Code, "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if !v.Valid || v.Data["fddbr"] != "张伟" || v.Holder.Name != "兰州汇通商贸有限公司" {
			t.Errorf("got %+v, want the valid certificate with its data", v)
		}

		t.Run("Replayed", func(t *testing.T) {
			_, err := e.s.VerifyShowCode(e.op, sc.Code, "10.0.0.2")
			if huitong.ErrorCode(err) != huitong.ECONFLICT || ruleOf(err) != cert.RuleShowUsed {
				t.Errorf("got %v, want ECONFLICT %s", err, cert.RuleShowUsed)
			}
		})
		t.Run("Expired", func(t *testing.T) {
			sc2, err := e.s.CreateShowCode(e.police1, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			e.clk.Add(5*time.Minute + time.Second)
			_, err = e.s.VerifyShowCode(e.op, sc2.Code, "10.0.0.3")
			if huitong.ErrorCode(err) != huitong.ECONFLICT || ruleOf(err) != cert.RuleShowExpired {
				t.Errorf("got %v, want ECONFLICT %s", err, cert.RuleShowExpired)
			}
		})
		t.Run("GuessedThenLocked", func(t *testing.T) {
			live, err := e.s.CreateShowCode(e.police1, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			wrong := fmt.Sprintf("%06d", (mustAtoi(live.Code)+1)%1000000)
			for i := range 3 {
				_, err := e.s.VerifyShowCode(e.op, wrong, "10.0.0.4")
				if huitong.ErrorCode(err) != huitong.ENOTFOUND || ruleOf(err) != cert.RuleShowUnknown {
					t.Fatalf("guess %d: got %v, want ENOTFOUND %s", i, err, cert.RuleShowUnknown)
				}
			}
			// Locked now, even with the right code.
			_, err = e.s.VerifyShowCode(e.op, live.Code, "10.0.0.4")
			if huitong.ErrorCode(err) != huitong.ERATELIMIT || ruleOf(err) != cert.RuleShowLocked {
				t.Errorf("after 3 wrong codes: got %v, want ERATELIMIT %s", err, cert.RuleShowLocked)
			}
			// Another client still gets through, and the lock ends.
			if _, err := e.s.VerifyShowCode(e.op, "12x456", "10.0.0.5"); huitong.ErrorCode(err) != huitong.EINVALID {
				t.Errorf("malformed code: got %v, want EINVALID", err)
			}
			e.clk.Add(16 * time.Minute)
			live2, _ := e.s.CreateShowCode(e.police1, c.ID)
			if _, err := e.s.VerifyShowCode(e.op, live2.Code, "10.0.0.4"); err != nil {
				t.Errorf("after the lock: got %v, want success", err)
			}
		})
		t.Run("GlobalLock", func(t *testing.T) {
			e.clk.Add(time.Minute)
			var err error
			for i := range 9 {
				_, err = e.s.VerifyShowCode(e.op, "000000", fmt.Sprintf("10.1.0.%d", i))
			}
			if huitong.ErrorCode(err) != huitong.ERATELIMIT || ruleOf(err) != cert.RuleShowGlobalLock {
				t.Errorf("after 8 wrong codes from many clients: got %v, want ERATELIMIT %s", err, cert.RuleShowGlobalLock)
			}
		})
		t.Run("Rate", func(t *testing.T) {
			e.clk.Add(time.Hour)
			var err error
			for range 21 {
				live, cerr := e.s.CreateShowCode(e.police1, c.ID)
				if cerr != nil {
					t.Fatal(cerr)
				}
				_, err = e.s.VerifyShowCode(e.op, live.Code, "10.2.0.1")
			}
			if ruleOf(err) != cert.RuleShowRate {
				t.Errorf("21st attempt in a minute: got %v, want %s", err, cert.RuleShowRate)
			}
		})
		shows, _ := db.AuditEntries(e.op, huitong.AuditFilter{Action: "cert.show", Object: c.ID})
		verifies, _ := db.AuditEntries(e.op, huitong.AuditFilter{Action: "cert.show_verify", Limit: 1000})
		if len(shows) != 25 || len(verifies) < 10 {
			t.Errorf("got %d show and %d verify audit entries, want 25 and every attempt", len(shows), len(verifies))
		}
	})
}

func mustAtoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func TestBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, cert.Config{BatchChunk: 7, Workers: 3})
		var b strings.Builder
		b.WriteString("持证主体名称,持证主体代码,法定代表人,注册资本(万元),成立日期,jyfw\n")
		for i := range 20 {
			fmt.Fprintf(&b, "公司%d,%s,张%d,%d.5,2020-01-%02d,零售\n", i, company(100+i), i, i, i+1)
		}
		good := b.String()
		bad := good + "坏公司,91620100MA70000000,,x,2020-02-30,\n"
		rows, err := cert.ReadBatch(strings.NewReader(bad), cert.BatchCSV, e.licence)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := e.s.IssueBatch(e.market1, e.licence.Code, rows, cert.BatchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, re := range rep.Errors {
			got = append(got, fmt.Sprintf("%d %s %s", re.Row, re.Field, re.Rule))
		}
		want := "22 holderId cert.holder_id|22 data.fddbr required|22 data.zczb money|22 data.clrq date"
		if strings.Join(got, "|") != want || rep.Issued != 0 || rep.Skipped != 21 {
			t.Fatalf("got %s issued %d skipped %d, want %s and nothing issued", strings.Join(got, "|"), rep.Issued, rep.Skipped, want)
		}
		rep, err = e.s.IssueBatch(e.market1, e.licence.Code, rows, cert.BatchOptions{Partial: true})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Issued != 20 || len(rep.IDs) != 20 || rep.Skipped != 1 {
			t.Fatalf("partial: got issued %d skipped %d, want 20 and 1", rep.Issued, rep.Skipped)
		}
		for _, id := range rep.IDs[:3] {
			if v, err := e.s.Verify(e.op, id); err != nil || !v.Valid {
				t.Errorf("%s: got %v %v, want valid", id, v, err)
			}
		}
		audits, _ := db.AuditEntries(e.op, huitong.AuditFilter{Action: "cert.issue_batch", Object: rep.Source})
		if len(audits) != 3 {
			t.Errorf("got %d audit entries, want one per chunk of 7 (3)", len(audits))
		}
		// JSON lines with given serials: a duplicate within the file and a
		// reused serial are reported.
		jl := `{"holderName":"甲公司","holderId":"` + company(200) + `","serial":"A1","data":{"fddbr":"甲","clrq":"2021-01-01"}}
{"holderName":"乙公司","holderId":"` + company(201) + `","serial":"A1","data":{"fddbr":"乙","clrq":"2021-01-01"}}
{"holderName":"丙公司","holderId":"` + company(202) + `","serial":"` + strings.Split(rep.IDs[0], ".")[7] + `","data":{"fddbr":"丙","clrq":"2021-01-01"}}
`
		rows, err = cert.ReadBatch(strings.NewReader(jl), cert.BatchJSONL, e.licence)
		if err != nil {
			t.Fatal(err)
		}
		rep, err = e.s.IssueBatch(e.market1, e.licence.Code, rows, cert.BatchOptions{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Errors) != 2 || rep.Errors[0].Row != 2 || rep.Errors[1].Row != 3 || rep.Errors[1].Rule != "unique" {
			t.Errorf("got %+v, want rows 2 and 3 refused as duplicates", rep.Errors)
		}
		if _, err := e.s.IssueBatch(e.civil1, e.licence.Code, rows, cert.BatchOptions{}); ruleOf(err) != cert.RuleNotAuthorised {
			t.Errorf("unauthorised batch: got %v, want %s", err, cert.RuleNotAuthorised)
		}
	})
}

// TestOpenSSL checks that stock OpenSSL 3 accepts the exported signature
// over the payload with the exported key, and refuses a tampered payload.
func TestOpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	db := storetest.Open(t, store.SQLite)
	e := setup(t, db, cert.Config{})
	c := e.issue(t, 30)
	x, err := e.s.Export(e.market1, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	payload, _ := base64.StdEncoding.DecodeString(x.Payload)
	sig, _ := base64.StdEncoding.DecodeString(x.Signature)
	os.WriteFile(filepath.Join(dir, "payload"), payload, 0o600)
	os.WriteFile(filepath.Join(dir, "sig.der"), sig, 0o600)
	os.WriteFile(filepath.Join(dir, "pub.pem"), []byte(x.PublicKey), 0o600)
	os.WriteFile(filepath.Join(dir, "tampered"), []byte(strings.Replace(string(payload), "张伟", "张三", 1)), 0o600)
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{{"OK", "payload", true}, {"ErrTampered", "tampered", false}} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-digest", "sm3",
				"-pkeyopt", "distid:1234567812345678", "-in", tc.in, "-sigfile", "sig.der")
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			if got := err == nil && strings.Contains(string(out), "Signature Verified Successfully"); got != tc.ok {
				t.Errorf("got verified=%v (%s), want %v", got, out, tc.ok)
			}
		})
	}
	// The seal information verifies with the maker's key the same way.
	info, _ := base64.StdEncoding.DecodeString(x.SealInfo)
	msig, _ := base64.StdEncoding.DecodeString(x.Seal.MakerSig)
	os.WriteFile(filepath.Join(dir, "seal.json"), info, 0o600)
	os.WriteFile(filepath.Join(dir, "seal.sig"), msig, 0o600)
	os.WriteFile(filepath.Join(dir, "maker.pem"), []byte(x.MakerPublicKey), 0o600)
	cmd := exec.Command("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "maker.pem", "-rawin", "-digest", "sm3",
		"-pkeyopt", "distid:1234567812345678", "-in", "seal.json", "-sigfile", "seal.sig")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("seal information: got %v %s, want verified", err, out)
	}
	var back cert.Export
	raw, _ := json.Marshal(x)
	json.Unmarshal(raw, &back)
	if back.Payload != x.Payload {
		t.Error("export does not round-trip through JSON")
	}
}

// TestBatchMultiRowStatements issues a batch larger than the 200 rows one
// INSERT statement carries (on SQLite: two full statements and a shorter
// one in one transaction; on PostgreSQL: one COPY), with a bad row in the
// middle of the second statement's rows: the bad row is reported, every
// other row is issued and verifies, the neighbours of the bad row
// included, and no certificate is stored twice or left out.
func TestBatchMultiRowStatements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, cert.Config{})
		const n, bad = 450, 250
		rows := make([]cert.BatchRow, n)
		for i := range rows {
			rows[i] = cert.BatchRow{Row: i + 2, Req: *e.licenceReq(1000 + i)}
		}
		rows[bad].Req.HolderID = "91620100MA70000000" // wrong check character
		rep, err := e.s.IssueBatch(e.market1, e.licence.Code, rows, cert.BatchOptions{Partial: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Errors) != 1 || rep.Errors[0].Row != bad+2 || rep.Errors[0].Field != "holderId" {
			t.Fatalf("got errors %+v, want row %d's holderId only", rep.Errors, bad+2)
		}
		if rep.Issued != n-1 || len(rep.IDs) != n-1 || rep.Skipped != 1 {
			t.Fatalf("got issued %d (%d ids) skipped %d, want %d and 1", rep.Issued, len(rep.IDs), rep.Skipped, n-1)
		}
		list, total, err := db.Certificates(e.op, huitong.CertFilter{Issuer: e.market, TypeCode: e.licence.Code, Limit: 1000})
		if err != nil || total != n-1 {
			t.Fatalf("stored: got %d (%v), want %d", total, err, n-1)
		}
		stored := map[string]string{}
		for _, c := range list {
			stored[c.ID] = c.HolderID
		}
		for i, id := range rep.IDs {
			r := i
			if i >= bad {
				r = i + 1 // the rows after the bad one
			}
			if got, want := stored[id], rows[r].Req.HolderID; got != want {
				t.Fatalf("%s: got holder %q, want %q of row %d", id, got, want, rows[r].Row)
			}
		}
		for _, i := range []int{0, 199, 200, bad - 1, bad, 399, 400, n - 2} {
			if v, err := e.s.Verify(e.op, rep.IDs[i]); err != nil || !v.Valid {
				t.Errorf("%s (issued #%d): got %+v (%v), want valid", rep.IDs[i], i, v, err)
			}
		}
	})
}
