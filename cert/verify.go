package cert

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"huitong"
	"huitong/gbcode"
	"huitong/gm"
	"huitong/store"
)

// ExportFormat names the layout of an exported certificate file.
const ExportFormat = "huitong-cert-export/1"

// Export is an exported certificate file: the signed payload and the
// signature with what an offline verifier needs, the seal's public key and
// information signed by the platform seal maker. Status is as of
// ExportedAt and is not signed: only an online check knows about later
// revocations.
type Export struct {
	Format         string             `json:"format"`
	ID             string             `json:"id"`
	Payload        string             `json:"payload"`   // base64 of the signed canonical JSON
	Signature      string             `json:"signature"` // base64 of the DER SM2-with-SM3 signature
	PublicKey      string             `json:"publicKey"` // PEM of the seal's public key
	Seal           *huitong.Seal      `json:"seal"`
	SealInfo       string             `json:"sealInfo"`       // base64 of the canonical seal information the maker signed
	MakerPublicKey string             `json:"makerPublicKey"` // PEM of the platform seal maker's key
	Status         huitong.CertStatus `json:"status"`
	ExportedAt     time.Time          `json:"exportedAt"`
	VerifyURL      string             `json:"verifyUrl"`
}

// Checks are the three verdicts the API contract names.
type Checks struct {
	Signature bool `json:"signature"` // the SM2 signature verifies over the payload with the seal's key
	Seal      bool `json:"seal"`      // the seal is known, made by the platform, not revoked, valid at signing time
	Status    bool `json:"status"`    // valid now: not expired, revoked or superseded
}

// Reason is one failed or noted check.
type Reason struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// HolderView is the holder as verification shows it: masked.
type HolderView struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	ID   string `json:"id"`
}

// SealView names the seal that signed.
type SealView struct {
	ID          string             `json:"id"`
	Name        string             `json:"name"`
	Status      huitong.SealStatus `json:"status,omitempty"`
	Fingerprint string             `json:"fingerprint"`
}

// Verification is the result of verifying a certificate at VerifiedAt.
type Verification struct {
	Valid        bool               `json:"valid"`
	Status       huitong.CertStatus `json:"status"`
	StatusLabel  string             `json:"statusLabel"`
	ID           string             `json:"id"`
	Type         DocType            `json:"type"`
	Issuer       DocIssuer          `json:"issuer"`
	Holder       HolderView         `json:"holder"`
	IssuedAt     string             `json:"issuedAt"`
	ValidFrom    string             `json:"validFrom"`
	ValidTo      string             `json:"validTo"`
	Seal         SealView           `json:"seal"`
	Checks       Checks             `json:"checks"`
	Reasons      []Reason           `json:"reasons"`
	SupersededBy string             `json:"supersededBy,omitempty"`
	Online       bool               `json:"online"`
	VerifiedAt   time.Time          `json:"verifiedAt"`
	Data         map[string]string  `json:"data,omitempty"` // shown only to the verifier of a show code
}

func (v *Verification) fail(rule, format string, args ...any) {
	v.Reasons = append(v.Reasons, Reason{Rule: rule, Message: fmt.Sprintf(format, args...)})
}

// judge runs every check on a decoded document. seal may be nil (unknown
// seal); status is the stored status as known to the caller.
func judge(doc *Document, payload string, sig []byte, pub *gm.PublicKey, pubFP string, seal *huitong.Seal, makerOK bool, status huitong.CertStatus, now time.Time) *Verification {
	v := &Verification{ID: doc.ID, Type: doc.Type, Issuer: doc.Issuer, IssuedAt: doc.IssuedAt, ValidFrom: doc.ValidFrom, ValidTo: doc.ValidTo,
		Holder: maskHolder(doc.Holder), Seal: SealView{ID: doc.Seal.ID, Name: doc.Seal.Name, Fingerprint: doc.Seal.Fingerprint}, VerifiedAt: now, Reasons: []Reason{}}
	// Identifier: GB/T 36904 with its MOD 37,36 check character, and the
	// same parts as the document.
	// Rebuilding it from the parts is enough: the parts' own formats were
	// checked at issue and are covered by the signature.
	idOK := idOf(doc)
	if !idOK {
		v.fail(RuleIdentifier, "证照标识与证照内容(类型、颁发机构、编号、版本)或其校验位(GB/T 36904, MOD 37,36)不符")
	}

	v.Checks.Signature = pub.VerifyString(payload, sig)
	if !v.Checks.Signature {
		v.fail(RuleSignature, "签名验证失败: 证照内容被篡改，或签名不是该印章所签")
	}

	v.Checks.Seal = true
	signedAt, _ := time.Parse(time.RFC3339, doc.IssuedAt)
	switch {
	case seal == nil:
		v.Checks.Seal = false
		v.fail(RuleSealUnknown, "未知的印章: %s", doc.Seal.ID)
	default:
		v.Seal.Status = seal.Status
		if seal.ID != doc.Seal.ID || seal.Fingerprint != doc.Seal.Fingerprint || pubFP != seal.Fingerprint {
			v.Checks.Seal = false
			v.fail(RuleSealKey, "公钥与证照所载印章(%s, 指纹 %.16s…)不符", doc.Seal.ID, doc.Seal.Fingerprint)
		}
		if !makerOK {
			v.Checks.Seal = false
			v.fail(RuleSealMaker, "印章信息没有平台制章者的有效签名(GB/T 38540)")
		}
		if seal.Status == huitong.SealRevoked {
			v.Checks.Seal = false
			v.fail(RuleSealRevoked, "印章已于 %s 吊销: %s", instant(seal.RevokedAt), seal.RevokeReason)
		}
		if signedAt.IsZero() || signedAt.Before(seal.ValidFrom) || !signedAt.Before(seal.ValidTo) {
			v.Checks.Seal = false
			v.fail(RuleSealExpired, "签章时间 %s 不在印章有效期 %s 至 %s 内", doc.IssuedAt, instant(seal.ValidFrom), instant(seal.ValidTo))
		}
	}

	v.Status = status
	if status == "" || status == huitong.CertValid {
		v.Status = huitong.CertValid
		from := chinaDay(doc.ValidFrom)
		if doc.ValidTo != "" {
			to := chinaDay(doc.ValidTo)
			if !now.Before(to.AddDate(0, 0, 1)) {
				v.Status = huitong.CertExpired
			}
		}
		if v.Status == huitong.CertValid && now.Before(from) {
			v.fail(RuleNotYetValid, "证照自 %s 起有效", doc.ValidFrom)
			v.Checks.Status = false
		} else {
			v.Checks.Status = v.Status == huitong.CertValid
		}
	}
	switch v.Status {
	case huitong.CertExpired:
		v.fail(RuleExpired, "证照已于 %s 到期", doc.ValidTo)
	case huitong.CertRevoked:
		v.fail(RuleRevoked, "证照已注销")
	case huitong.CertSuperseded:
		v.fail(RuleSuperseded, "证照已被新版本取代")
	}
	v.StatusLabel = v.Status.Label()
	v.Valid = idOK && v.Checks.Signature && v.Checks.Seal && v.Checks.Status
	return v
}

// chinaDay is time.ParseInLocation(time.DateOnly, s, chinaTime), the zero
// time for what that refuses, without its general layout machinery: it
// runs twice per verification. TestChinaDay holds it to the original.
func chinaDay(s string) time.Time {
	if !isDateOnly(s) {
		return time.Time{}
	}
	num := func(t string) int {
		n := 0
		for i := 0; i < len(t); i++ {
			n = n*10 + int(t[i]-'0')
		}
		return n
	}
	y, m, d := num(s[:4]), time.Month(num(s[5:7])), num(s[8:])
	if m < time.January || m > time.December || d < 1 || d > 31 {
		return time.Time{}
	}
	t := time.Date(y, m, d, 0, 0, 0, 0, chinaTime)
	if t.Day() != d { // 2026-02-30 and the like
		return time.Time{}
	}
	return t
}

// idOf reports whether doc.ID is the identifier of doc's type, issuer,
// serial and version with the right check character, comparing piece by
// piece rather than building the expected identifier.
func idOf(doc *Document) bool {
	check := gbcode.CertIDCheck(doc.Type.Code + doc.Issuer.Code + doc.Serial + doc.Version)
	if check == 0 {
		return false
	}
	rest, ok := strings.CutPrefix(doc.ID, gbcode.CertIDPrefix)
	if !ok {
		return false
	}
	for _, part := range [...]string{doc.Type.Code, doc.Issuer.Code, doc.Serial, doc.Version} {
		if rest, ok = strings.CutPrefix(rest, part); !ok {
			return false
		}
		if rest, ok = strings.CutPrefix(rest, "."); !ok {
			return false
		}
	}
	return len(rest) == 1 && rest[0] == check
}

func maskHolder(h DocHolder) HolderView {
	if h.Kind == string(huitong.HolderEntity) {
		return HolderView{Kind: h.Kind, Name: h.Name, ID: gbcode.MaskUSCC(h.ID)}
	}
	return HolderView{Kind: h.Kind, Name: gbcode.MaskName(h.Name), ID: gbcode.MaskCitizenID(h.ID)}
}

// Verify checks a certificate by identifier, online: the stored payload
// and signature, the seal as the platform knows it now (revocation
// included) and the certificate's status now. It needs no principal.
// EINVALID (rule cert.identifier.*) for a malformed identifier or a wrong
// check character; ENOTFOUND for an unknown one.
func (s *Service) Verify(ctx context.Context, id string) (*Verification, error) {
	// The stored identifier was checked when the certificate was issued,
	// and judge checks it again against the signed document, so a found
	// certificate needs no parsing of id first: only an unknown id is
	// parsed, to tell a malformed one (EINVALID) from a missing one.
	if len(id) > maxIDLength {
		_, err := parseID(id)
		if err == nil {
			err = huitong.Errorf(huitong.ENOTFOUND, "证照不存在: %.80s…", id)
		}
		return nil, err
	}
	c, err := s.findSigned(ctx, id)
	if huitong.ErrorCode(err) == huitong.ENOTFOUND {
		if _, perr := parseID(id); perr != nil {
			return nil, perr
		}
	}
	if err != nil {
		return nil, err
	}
	return s.verifySigned(ctx, c)
}

// maxIDLength bounds the identifiers Verify looks up before parsing them:
// 15 (prefix) + 21 (type) + 18 (issuer) + 40 (serial) + 3 + 1 + 4 dots.
const maxIDLength = 102

func (s *Service) verifyStored(ctx context.Context, c *huitong.Certificate) (*Verification, error) {
	return s.verifySigned(ctx, store.SignedOf(c))
}

// verifySigned judges a stored certificate online: payload and signature,
// the seal as known now and the stored status.
func (s *Service) verifySigned(ctx context.Context, c store.SignedCert) (*Verification, error) {
	now := s.clock.Now()
	doc, err := parseDocumentData(c.Payload, false) // judge needs no data items
	if err != nil {
		v := &Verification{ID: c.ID, Status: c.Status, StatusLabel: c.Status.Label(), VerifiedAt: now, Online: true}
		v.fail(RuleFormat, "%s", huitong.ErrorMessage(err))
		return v, nil
	}
	var seal *huitong.Seal
	var pub *gm.PublicKey
	var fp string
	makerOK := false
	if cs, err := s.sealFor(ctx, doc.Seal.ID); err == nil {
		seal, pub, fp, makerOK = cs.seal, cs.pub, cs.fingerprint, cs.makerOK
	} else if huitong.ErrorCode(err) != huitong.ENOTFOUND {
		return nil, err
	}
	v := judge(doc, c.Payload, c.Signature, pub, fp, seal, makerOK, c.Status, now)
	v.Online, v.SupersededBy = true, c.SupersededBy
	// The signed document must be the one stored under the identifier: a
	// row carrying another certificate's payload and signature would
	// otherwise verify, showing the other certificate.
	if doc.ID != c.ID {
		v.Valid = false
		v.fail(RuleIdentifier, "证照库中标识 %s 下存放的签名内容属于另一张证照 %s", c.ID, doc.ID)
	}
	return v, nil
}

// Export returns the exported file of a certificate. Any government
// account may export (the holder later too); every export is audited.
func (s *Service) Export(ctx context.Context, id string) (*Export, error) {
	c, err := s.readable(ctx, id, "cert.export")
	if err != nil {
		return nil, err
	}
	return s.export(ctx, c)
}

func (s *Service) export(ctx context.Context, c *huitong.Certificate) (*Export, error) {
	seal, err := s.db.FindSeal(ctx, c.SealID)
	if err != nil {
		return nil, err
	}
	maker, err := s.MakerPublicKey(ctx)
	if err != nil {
		return nil, err
	}
	return &Export{
		Format: ExportFormat, ID: c.ID, Payload: base64.StdEncoding.EncodeToString(c.Payload), Signature: base64.StdEncoding.EncodeToString(c.Signature),
		PublicKey: seal.PublicKey, Seal: seal, SealInfo: base64.StdEncoding.EncodeToString(SealInfo(seal)), MakerPublicKey: string(maker.PEM()),
		Status: c.StatusAt(s.clock.Now()), ExportedAt: s.clock.Now(), VerifyURL: s.VerifyURL(c.ID),
	}, nil
}

// VerifyURL is where a person verifies the certificate online; QR codes
// lead there.
func (s *Service) VerifyURL(id string) string { return s.PublicURL() + "/verify/" + id }

// VerifyOptions tune VerifyExport.
type VerifyOptions struct {
	// Pinned, when set, is the only seal key accepted (rule cert.seal_key
	// otherwise).
	Pinned *gm.PublicKey
	// Maker, when set, is the trusted seal maker key; otherwise the key in
	// the file is used and a note says so.
	Maker *gm.PublicKey
	// Now is the verification time; default the wall clock.
	Now time.Time
}

// VerifyExport checks an exported file offline: the payload's format and
// identifier, the signature with the file's public key (or only the pinned
// one), the seal information's maker signature and the seal's validity at
// signing time, and the validity dates at opt.Now. Revocation after the
// export cannot be seen offline: a reason with rule cert.status_unverified
// notes it. The error is for a file that is not an export at all.
func VerifyExport(data []byte, opt VerifyOptions) (*Verification, error) {
	var e Export
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("not a certificate export file: %w", err)
	}
	if e.Format != ExportFormat {
		return nil, fmt.Errorf("not a certificate export file: format %q, want %q", e.Format, ExportFormat)
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now().UTC()
	}
	payload, err1 := base64.StdEncoding.DecodeString(e.Payload)
	sig, err2 := base64.StdEncoding.DecodeString(e.Signature)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("payload or signature is not base64")
	}
	doc, err := ParseDocument(payload)
	if err != nil {
		v := &Verification{ID: e.ID, VerifiedAt: opt.Now, Reasons: []Reason{}}
		v.fail(RuleFormat, "%s", huitong.ErrorMessage(err))
		return v, nil
	}
	pub, err := gm.ParsePublicKeyPEM([]byte(e.PublicKey))
	if err != nil {
		pub = nil
	}
	makerOK := false
	maker := opt.Maker
	if maker == nil {
		maker, _ = gm.ParsePublicKeyPEM([]byte(e.MakerPublicKey))
	}
	if e.Seal != nil {
		msig, _ := base64.StdEncoding.DecodeString(e.Seal.MakerSig)
		makerOK = maker.Verify(SealInfo(e.Seal), msig)
	}
	status := e.Status
	if status == huitong.CertExpired {
		status = huitong.CertValid // recomputed from the dates at opt.Now
	}
	v := judge(doc, string(payload), sig, pub, pub.Fingerprint(), e.Seal, makerOK, status, opt.Now)
	if e.ID != doc.ID {
		v.Valid = false
		v.fail(RuleIdentifier, "文件标注的证照标识 %s 与签名内容中的 %s 不符", e.ID, doc.ID)
	}
	if opt.Pinned != nil && !opt.Pinned.Equal(pub) {
		v.Valid, v.Checks.Seal = false, false
		v.fail(RuleSealKey, "文件中的公钥不是指定的公钥(--pubkey)")
	}
	if opt.Maker == nil {
		v.Reasons = append(v.Reasons, Reason{Rule: "cert.maker_untrusted", Message: "制章者公钥取自文件本身，未与平台公布的公钥比对"})
	}
	v.Reasons = append(v.Reasons, Reason{Rule: RuleOfflineStatus, Message: fmt.Sprintf("离线验证: 导出(%s)之后的注销或吊销无法得知，请以在线验证为准: %s", instant(e.ExportedAt), e.VerifyURL)})
	return v, nil
}

// VerifyFile checks an uploaded export file against the library: offline
// checks with the platform's own seal-maker key, then, when the library
// holds the certificate, the online verdict (revocation, seal status)
// provided the file's payload is the stored one. EINVALID for a file that
// is not an export.
func (s *Service) VerifyFile(ctx context.Context, data []byte) (*Verification, error) {
	maker, err := s.MakerPublicKey(ctx)
	if err != nil {
		return nil, err
	}
	off, err := VerifyExport(data, VerifyOptions{Maker: maker, Now: s.clock.Now()})
	if err != nil {
		return nil, fieldErr("file", RuleFormat, "不是本平台导出的证照文件: %s", err.Error())
	}
	c, err := s.db.FindCertificate(ctx, off.ID)
	if huitong.ErrorCode(err) == huitong.ENOTFOUND || huitong.ErrorCode(err) == huitong.EINVALID {
		off.fail(RuleSealUnknown, "证照库中没有该证照")
		off.Valid = false
		return off, nil
	} else if err != nil {
		return nil, err
	}
	var e Export
	_ = json.Unmarshal(data, &e)
	payload, _ := base64.StdEncoding.DecodeString(e.Payload)
	if !bytes.Equal(payload, c.Payload) {
		off.Valid = false
		off.fail(RuleSignature, "文件内容与证照库中的证照不一致")
		return off, nil
	}
	on, err := s.verifyStored(ctx, c)
	if err != nil {
		return nil, err
	}
	if !off.Checks.Signature {
		on.Valid, on.Checks.Signature = false, false
		on.Reasons = append(on.Reasons, off.Reasons...)
	}
	return on, nil
}

// ParseScan reads what a verifier typed or a handheld scanner entered from
// a certificate's or a show code's QR code: the verification link
// (…/verify/{id}, …/verify/show?code=NNNNNN), a bare 6-digit show code or a
// bare identifier. Only the link's path and query count, not its host. It
// returns the identifier or the show code, the other empty; both empty for
// empty text.
func ParseScan(text string) (id, code string) {
	text = strings.TrimSpace(text)
	if len(text) == 6 && isDigits(text) {
		return "", text
	}
	u, err := url.Parse(text)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return text, ""
	}
	if u.Path == "/verify/show" {
		return "", strings.TrimSpace(u.Query().Get("code"))
	}
	if rest, ok := strings.CutPrefix(u.Path, "/verify/"); ok && rest != "" {
		return rest, ""
	}
	return text, ""
}
