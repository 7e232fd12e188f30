package cert_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"huitong"
	"huitong/cert"
	"huitong/gbcode"
	"huitong/gm"
	"huitong/store"
	"huitong/store/storetest"
)

func TestIssueAndVerify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, cert.Config{})
		c := e.issue(t, 1)
		cid, err := gbcode.ParseCertID(c.ID)
		if err != nil {
			t.Fatalf("identifier %s: %v", c.ID, err)
		}
		if cid.TypeCode != e.licence.Code || cid.Issuer != e.market || cid.Version != "001" || cid.Serial != "20260000001" {
			t.Errorf("got identifier %+v, want type %s issuer %s serial 20260000001 version 001", cid, e.licence.Code, e.market)
		}
		v, err := e.s.Verify(e.op, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !v.Valid || !v.Checks.Signature || !v.Checks.Seal || !v.Checks.Status || v.Status != huitong.CertValid {
			t.Fatalf("got %+v, want valid with every check", v)
		}
		if v.Issuer.Name != "甘肃省市场监督管理局" || v.Holder.ID == company(1) || !strings.Contains(v.Holder.ID, "*") {
			t.Errorf("got issuer %q holder %q, want the issuer's name and a masked code", v.Issuer.Name, v.Holder.ID)
		}

		// The issuer sees the holder; another department sees it masked.
		own, err := e.s.Find(e.market1, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if own.HolderID != company(1) || own.Data["fddbr"] != "张伟" || own.TypeName != "营业执照" {
			t.Errorf("issuer view: got %+v", own)
		}
		other, err := e.s.Find(e.police1, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if other.HolderID == company(1) {
			t.Errorf("other department: got holder %s unmasked, want masked", other.HolderID)
		}

		// The export verifies offline, also with the key pinned.
		x, err := e.s.Export(e.market1, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := json.Marshal(x)
		pub, _ := gm.ParsePublicKeyPEM([]byte(x.PublicKey))
		maker, _ := e.s.MakerPublicKey(e.op)
		ov, err := cert.VerifyExport(data, cert.VerifyOptions{Pinned: pub, Maker: maker, Now: e.clk.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if !ov.Valid {
			t.Errorf("offline: got %+v, want valid", ov.Reasons)
		}
		payload, _ := base64.StdEncoding.DecodeString(x.Payload)
		if _, err := cert.ParseDocument(payload); err != nil {
			t.Errorf("payload is not canonical: %v", err)
		}
	})
}

func TestCanonical(t *testing.T) {
	d := &cert.Document{Format: cert.PayloadFormat, ID: "x", Data: map[string]string{"b": "引号\"与\\反斜杠\n", "a": "<&>\u2028"}}
	got := string(d.Canonical())
	want := `{"data":{"a":"<&>` + "\u2028" + `","b":"引号\"与\\反斜杠\n"},"format":"huitong-cert/1","holder":{"id":"","idType":"","kind":"","name":""},"id":"x","issuedAt":"","issuer":{"code":"","jurisdiction":"","name":""},"seal":{"fingerprint":"","id":"","name":"","validFrom":"","validTo":""},"serial":"","type":{"code":"","name":""},"validFrom":"","validTo":"","version":""}`
	if got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
	back, err := cert.ParseDocument([]byte(got))
	if err != nil || back.Data["b"] != d.Data["b"] {
		t.Fatalf("got %v %v, want the document back", back, err)
	}
	spaced := strings.Replace(got, `{"data":`, `{ "data":`, 1)
	if _, err := cert.ParseDocument([]byte(spaced)); ruleOf(err) != cert.RuleFormat {
		t.Errorf("white space: got %v, want %s", err, cert.RuleFormat)
	}
}

// TestRefusals covers each attack and bad input the issue names.
func TestRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, cert.Config{})
		c := e.issue(t, 2)
		x, err := e.s.Export(e.market1, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		maker, _ := e.s.MakerPublicKey(e.op)
		verifyFile := func(t *testing.T, mutate func(x *cert.Export), pinned *gm.PublicKey) *cert.Verification {
			y := *x
			mutate(&y)
			data, _ := json.Marshal(&y)
			v, err := cert.VerifyExport(data, cert.VerifyOptions{Pinned: pinned, Maker: maker, Now: e.clk.Now()})
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		other, _ := gm.GenerateKey()

		t.Run("TamperedPayload", func(t *testing.T) {
			v := verifyFile(t, func(x *cert.Export) {
				p, _ := base64.StdEncoding.DecodeString(x.Payload)
				p = bytes.Replace(p, []byte("张伟"), []byte("李娜"), 1)
				x.Payload = base64.StdEncoding.EncodeToString(p)
			}, nil)
			if v.Valid || v.Checks.Signature || !hasRule(v, cert.RuleSignature) {
				t.Errorf("got valid=%v signature=%v %v, want invalid by %s", v.Valid, v.Checks.Signature, v.Reasons, cert.RuleSignature)
			}
		})
		t.Run("WrongKey", func(t *testing.T) {
			v := verifyFile(t, func(x *cert.Export) { x.PublicKey = string(other.Public().PEM()) }, nil)
			if v.Valid || v.Checks.Signature || !hasRule(v, cert.RuleSealKey) {
				t.Errorf("got valid=%v %v, want invalid by %s and %s", v.Valid, v.Reasons, cert.RuleSignature, cert.RuleSealKey)
			}
		})
		t.Run("PinnedKeyDiffers", func(t *testing.T) {
			v := verifyFile(t, func(*cert.Export) {}, other.Public())
			if v.Valid || !hasRule(v, cert.RuleSealKey) {
				t.Errorf("got valid=%v %v, want invalid by %s", v.Valid, v.Reasons, cert.RuleSealKey)
			}
		})
		t.Run("ForgedSealInfo", func(t *testing.T) {
			v := verifyFile(t, func(x *cert.Export) {
				s := *x.Seal
				s.ValidTo = s.ValidTo.AddDate(50, 0, 0)
				x.Seal = &s
			}, nil)
			if v.Valid || !hasRule(v, cert.RuleSealMaker) {
				t.Errorf("got valid=%v %v, want invalid by %s", v.Valid, v.Reasons, cert.RuleSealMaker)
			}
		})
		t.Run("WrongCheckCharacter", func(t *testing.T) {
			last := c.ID[len(c.ID)-1]
			bad := c.ID[:len(c.ID)-1] + string("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(strings.IndexByte("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", last)+1)%36])
			_, err := e.s.Verify(e.op, bad)
			if huitong.ErrorCode(err) != huitong.EINVALID || ruleOf(err) != cert.RuleIdentifier+".checkdigit" {
				t.Errorf("got %v (%s), want EINVALID %s.checkdigit", err, ruleOf(err), cert.RuleIdentifier)
			}
		})
		t.Run("InvalidHolderID", func(t *testing.T) {
			req := e.licenceReq(3)
			req.HolderID = req.HolderID[:17] + "0"
			if gbcode.USCCCheck(req.HolderID[:17]) == '0' {
				req.HolderID = req.HolderID[:17] + "1"
			}
			_, err := e.s.Issue(e.market1, req)
			if huitong.ErrorCode(err) != huitong.EINVALID || ruleOf(err) != cert.RuleHolderID {
				t.Errorf("got %v, want EINVALID %s", err, cert.RuleHolderID)
			}
			mreq := &huitong.IssueRequest{TypeCode: e.marriage.Code, HolderName: "王芳", HolderID: "62010219850315001",
				Data: map[string]string{"poxm": "李强", "djrq": "2020-05-20"}}
			if _, err := e.s.Issue(e.civil1, mreq); ruleOf(err) != cert.RuleHolderID {
				t.Errorf("17-digit citizen ID: got %v, want %s", err, cert.RuleHolderID)
			}
		})
		t.Run("NotAuthorised", func(t *testing.T) {
			req := e.licenceReq(4)
			_, err := e.s.Issue(e.civil1, req)
			if huitong.ErrorCode(err) != huitong.EFORBIDDEN || ruleOf(err) != cert.RuleNotAuthorised {
				t.Errorf("got %v, want EFORBIDDEN %s", err, cert.RuleNotAuthorised)
			}
			req.Issuer = e.market
			if _, err := e.s.Issue(e.police1, req); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
				t.Errorf("issuing for another department: got %v, want EFORBIDDEN", err)
			}
		})
		t.Run("RevokedSeal", func(t *testing.T) {
			e.revokeMarketSeal(t)
			v, err := e.s.Verify(e.op, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if v.Valid || v.Checks.Seal || !hasRule(v, cert.RuleSealRevoked) {
				t.Errorf("got valid=%v seal=%v %v, want invalid by %s", v.Valid, v.Checks.Seal, v.Reasons, cert.RuleSealRevoked)
			}
			if _, err := e.s.Issue(e.market1, e.licenceReq(5)); ruleOf(err) != cert.RuleNoSeal {
				t.Errorf("issuing with only a revoked seal: got %v, want %s", err, cert.RuleNoSeal)
			}
		})
	})
}

func TestSealExpiredAtSigning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, cert.Config{SealYears: 1})
		e.clk.Add(366 * 24 * time.Hour)
		if _, err := e.s.Issue(e.market1, e.licenceReq(6)); huitong.ErrorCode(err) != huitong.ECONFLICT || ruleOf(err) != cert.RuleNoSeal {
			t.Fatalf("got %v, want ECONFLICT %s", err, cert.RuleNoSeal)
		}
		// A certificate that claims a signing time outside the seal's
		// validity is reported invalid (see internal test for the forged one).
	})
}

func TestRotateRevokeReissue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, cert.Config{})
		old := e.issue(t, 7)
		seals, _ := e.s.Seals(e.marketAdmin, "")
		if _, err := e.s.RotateSeal(e.market1, seals[0].ID); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
			t.Errorf("staff rotating: got %v, want EFORBIDDEN", err)
		}
		next, err := e.s.RotateSeal(e.marketAdmin, seals[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if next.Previous != seals[0].ID || next.Fingerprint == seals[0].Fingerprint {
			t.Errorf("got %+v, want a new key replacing %s", next, seals[0].ID)
		}
		if v, _ := e.s.Verify(e.op, old.ID); !v.Valid || v.Seal.Status != huitong.SealRetired {
			t.Errorf("signed by the retired seal: got valid=%v seal %s %v, want valid and retired", v.Valid, v.Seal.Status, v.Reasons)
		}
		c := e.issue(t, 8)
		if c.SealID != next.ID {
			t.Errorf("got seal %s, want the new seal %s", c.SealID, next.ID)
		}

		// New version: the old one is superseded.
		req := e.licenceReq(8)
		req.Data["zczb"] = "800.00"
		v2, err := e.s.Reissue(e.market1, c.ID, req)
		if err != nil {
			t.Fatal(err)
		}
		if v2.Version != 2 || v2.Serial != c.Serial || !strings.HasSuffix(strings.TrimSuffix(v2.ID, v2.ID[len(v2.ID)-2:]), ".002") {
			t.Errorf("got %s version %d, want version 002 of serial %s", v2.ID, v2.Version, c.Serial)
		}
		if v, _ := e.s.Verify(e.op, c.ID); v.Valid || v.Status != huitong.CertSuperseded || v.SupersededBy != v2.ID {
			t.Errorf("old version: got %v %s by %s, want superseded by %s", v.Valid, v.Status, v.SupersededBy, v2.ID)
		}

		// Revocation needs a reason, and is final.
		if _, err := e.s.Revoke(e.market1, v2.ID, " "); huitong.ErrorCode(err) != huitong.EINVALID {
			t.Errorf("no reason: got %v, want EINVALID", err)
		}
		if _, err := e.s.Revoke(e.police1, v2.ID, "test"); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
			t.Errorf("other department: got %v, want EFORBIDDEN", err)
		}
		r, err := e.s.Revoke(e.market1, v2.ID, "企业申请注销登记")
		if err != nil || r.Status != huitong.CertRevoked {
			t.Fatalf("got %v %v, want revoked", r, err)
		}
		if v, _ := e.s.Verify(e.op, v2.ID); v.Valid || v.Checks.Status || !hasRule(v, cert.RuleRevoked) {
			t.Errorf("got %v %v, want invalid by %s", v.Valid, v.Reasons, cert.RuleRevoked)
		}
		if _, err := e.s.Revoke(e.market1, v2.ID, "again"); ruleOf(err) != cert.RuleStatusImmutable {
			t.Errorf("second revocation: got %v, want %s", err, cert.RuleStatusImmutable)
		}
	})
}

func TestExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, cert.Config{})
		food := &huitong.CertType{Definer: e.licence.Definer, Name: "食品经营许可证", HolderKind: huitong.HolderEntity,
			Items:    []huitong.CertItem{{Code: "jyxm", Name: "经营项目", Type: huitong.TypeString, Required: true}},
			Validity: huitong.CertValidity{Months: 60, MaxMonths: 60}, Issuers: []string{e.market}}
		if err := e.s.CreateType(e.op, food); err != nil {
			t.Fatal(err)
		}
		req := &huitong.IssueRequest{TypeCode: food.Code, HolderName: "兰州牛肉面馆", HolderID: company(9), Data: map[string]string{"jyxm": "热食类食品制售"}}
		too := *req
		too.ValidTo = "2036-01-01"
		if _, err := e.s.Issue(e.market1, &too); ruleOf(err) != "max" {
			t.Errorf("validity beyond 60 months: got %v, want rule max", err)
		}
		c, err := e.s.Issue(e.market1, req)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.ValidTo.Sub(c.ValidFrom); got < 1825*24*time.Hour || got > 1827*24*time.Hour {
			t.Errorf("got validity %v, want 60 months", got)
		}
		e.clk.Add(61 * 30 * 24 * time.Hour)
		v, _ := e.s.Verify(e.op, c.ID)
		if v.Valid || v.Status != huitong.CertExpired || !hasRule(v, cert.RuleExpired) {
			t.Errorf("got %v %s %v, want expired", v.Valid, v.Status, v.Reasons)
		}
	})
}

func TestTypes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, cert.Config{})
		if !strings.HasPrefix(e.licence.Code, e.licence.Definer) || len(e.licence.Code) != 21 || e.licence.Code[18:] != "001" {
			t.Errorf("got code %s, want definer + 001", e.licence.Code)
		}
		bad := &huitong.CertType{Code: "12345", Name: "", HolderKind: "robot", Items: []huitong.CertItem{{Code: "1x", Name: "a", Type: "Q"}}}
		err := e.s.CreateType(e.op, bad)
		var fields []string
		for _, f := range huitong.ErrorFields(err) {
			fields = append(fields, f.Field+":"+f.Rule)
		}
		want := "code:length name:required holderKind:enum items[0].code:format items[0].type:enum issuers:required"
		if strings.Join(fields, " ") != want {
			t.Errorf("got %s, want %s", strings.Join(fields, " "), want)
		}
		// Names shown on every certificate hold no control or
		// bidirectional characters.
		hostile := &huitong.CertType{Definer: e.licence.Definer, DefinerName: "国家\u202E局", Name: "营业\x00执照", HolderKind: huitong.HolderEntity,
			Items: []huitong.CertItem{{Code: "a", Name: "甲\u2066", Type: "C"}}, Issuers: []string{e.market}}
		fields = nil
		for _, f := range huitong.ErrorFields(e.s.CreateType(e.op, hostile)) {
			fields = append(fields, f.Field+":"+f.Rule)
		}
		if want := "name:charset definerName:charset items[0].name:charset"; strings.Join(fields, " ") != want {
			t.Errorf("hostile names: got %s, want %s", strings.Join(fields, " "), want)
		}
		if _, err := e.s.CreateSeal(e.marketAdmin, cert.SealRequest{Name: "电子证照\u202E专用章"}); ruleOf(err) != "charset" {
			t.Errorf("hostile seal name: got %v, want rule charset", err)
		}
		// A provincial department's admin defines its own types; staff and
		// county admins do not.
		own := &huitong.CertType{Name: "测试证", HolderKind: huitong.HolderPerson, Items: []huitong.CertItem{{Code: "a", Name: "甲", Type: "C"}},
			Validity: huitong.CertValidity{Permanent: true}, Issuers: []string{e.market}}
		if err := e.s.CreateType(e.market1, own); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
			t.Errorf("staff: got %v, want EFORBIDDEN", err)
		}
		if err := e.s.CreateType(e.civilAdmin, own); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
			t.Errorf("county admin: got %v, want EFORBIDDEN", err)
		}
		own.Code = ""
		if err := e.s.CreateType(e.marketAdmin, own); err != nil || own.Definer != e.market {
			t.Errorf("provincial admin: got %v definer %s, want its own type", err, own.Definer)
		}
		e.issue(t, 10)
		if err := e.s.DeleteType(e.op, e.licence.Code); huitong.ErrorCode(err) != huitong.ECONFLICT {
			t.Errorf("delete with certificates: got %v, want ECONFLICT", err)
		}
		e.licence.Retired = true
		if _, err := e.s.UpdateType(e.op, e.licence.Code, e.licence); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.Issue(e.market1, e.licenceReq(11)); ruleOf(err) != cert.RuleTypeRetired {
			t.Errorf("retired type: got %v, want %s", err, cert.RuleTypeRetired)
		}
	})
}

func TestIssueForCaseAndWallet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, cert.Config{})
		holder := person(12)
		req := &huitong.IssueRequest{TypeCode: e.marriage.Code, HolderName: "王芳", HolderID: holder, Data: map[string]string{"poxm": "李强", "djrq": "2020-05-20"}}
		a, err := e.s.IssueForCase(e.civil1, "BJ2026030200017", req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := e.s.IssueForCase(e.civil1, "BJ2026030200017", req)
		if err != nil || b.ID != a.ID {
			t.Errorf("second call for the case: got %v %v, want %s again", b, err, a.ID)
		}
		// A licence to a sole proprietor keyed by the same person? No: the
		// wallet shows what each department issued to the holder key.
		if _, err := e.s.Issue(e.civil1, &huitong.IssueRequest{TypeCode: e.marriage.Code, HolderName: "李强", HolderID: person(13),
			Data: map[string]string{"poxm": "王芳", "djrq": "2020-05-20"}}); err != nil {
			t.Fatal(err)
		}
		w, err := e.s.Wallet(e.police1, strings.ToLower(holder), 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if w.Total != 1 || w.Items[0].ID != a.ID || w.Items[0].Data["poxm"] != "李强" {
			t.Errorf("got %d items, want the one certificate of %s", w.Total, holder)
		}
		if _, err := e.s.Wallet(e.police1, "12345", 0, 0); huitong.ErrorCode(err) != huitong.EINVALID {
			t.Errorf("bad holder key: got %v, want EINVALID", err)
		}
		list, err := e.s.List(e.market1, huitong.CertFilter{})
		if err != nil || list.Total != 0 {
			t.Errorf("market staff list: got %v %v, want none of the civil bureau's", list, err)
		}
		all, err := e.s.List(e.op, huitong.CertFilter{Holder: holder})
		if err != nil || all.Total != 1 {
			t.Errorf("operator by holder: got %v %v, want 1", all, err)
		}
		entries, _ := db.AuditEntries(e.op, huitong.AuditFilter{Action: "cert.wallet"})
		if len(entries) != 1 || entries[0].Actor != "gat" || strings.Contains(entries[0].Object, holder) {
			t.Errorf("got audit %v, want one masked wallet entry by gat", entries)
		}
	})
}

func TestPDF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, cert.Config{})
		c := e.issue(t, 14)
		pdf, err := e.s.PDF(e.market1, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) || len(pdf) < 10000 || !bytes.Contains(pdf, []byte("/FontFile2")) {
			t.Errorf("got %d bytes starting %q, want a PDF with an embedded TrueType font", len(pdf), pdf[:min(8, len(pdf))])
		}
		if n, _ := db.AuditEntries(e.op, huitong.AuditFilter{Action: "cert.pdf", Object: c.ID}); len(n) != 1 {
			t.Errorf("got %d audit entries, want 1", len(n))
		}
	})
}

// TestRevokedSealCached revokes a seal whose key the verifying services
// hold in their caches: on the instance that revoked it, the next
// verification reports it at once; another instance over the same
// database reports it once its cached copy is SealCacheTTL old.
func TestRevokedSealCached(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cfg := cert.Config{SealCacheTTL: 300 * time.Millisecond}
		e := setup(t, db, cfg)
		other := cert.New(db, e.keys, cfg, e.clk, nil)
		t.Cleanup(func() { other.Close() })
		c := e.issue(t, 3)
		for _, s := range []*cert.Service{e.s, other} {
			if v, err := s.Verify(e.op, c.ID); err != nil || !v.Valid {
				t.Fatalf("before revocation: got %+v (%v), want valid", v, err)
			}
		}
		revokedAt := time.Now()
		e.revokeMarketSeal(t)
		v, err := e.s.Verify(e.op, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Valid || v.Checks.Seal || !hasRule(v, cert.RuleSealRevoked) {
			t.Errorf("same instance, at once: got valid=%v seal=%v %v, want invalid by %s", v.Valid, v.Checks.Seal, v.Reasons, cert.RuleSealRevoked)
		}
		time.Sleep(time.Until(revokedAt.Add(cfg.SealCacheTTL + 50*time.Millisecond)))
		if v, err := other.Verify(e.op, c.ID); err != nil || v.Valid || !hasRule(v, cert.RuleSealRevoked) {
			t.Errorf("other instance after SealCacheTTL: got %+v (%v), want invalid by %s", v, err, cert.RuleSealRevoked)
		}
	})
}
