package cert

import (
	"bytes"
	"slices"
	"unicode/utf8"
)

// PayloadFormat names the layout of the signed payload. It changes only
// with the layout.
const PayloadFormat = "huitong-cert/1"

// Document is the signed content of a certificate: its data and the core
// metadata of GB/T 36903 (证照名称/类型代码, 证照编号, 证照标识, 颁发机构 and
// 代码, 颁发日期, 管辖属地, 持证主体 and 代码 and 代码类型, 有效期, 签章信息).
//
// The payload is the canonical JSON of the document: the RFC 8785 JSON
// Canonicalization Scheme, which for this document (objects and strings
// only, keys of ASCII letters, digits and underscores) means:
//   - UTF-8, no byte order mark, no white space outside strings;
//   - object members sorted by key in byte order;
//   - strings in double quotes, escaping only '"' as \", '\' as \\, and
//     the control characters U+0000-U+001F as \b \t \n \f \r or \u00xx
//     (lower-case hex); every other character, including non-ASCII, as is;
//   - dates as YYYY-MM-DD, instants as RFC 3339 UTC with seconds
//     (2026-03-01T08:00:00Z); "" for an absent end date (长期有效).
type Document struct {
	Format    string            `json:"format"`
	ID        string            `json:"id"`
	Type      DocType           `json:"type"`
	Serial    string            `json:"serial"`
	Version   string            `json:"version"` // 3 digits
	Issuer    DocIssuer         `json:"issuer"`
	Holder    DocHolder         `json:"holder"`
	IssuedAt  string            `json:"issuedAt"`
	ValidFrom string            `json:"validFrom"`
	ValidTo   string            `json:"validTo"`
	Data      map[string]string `json:"data"`
	Seal      DocSeal           `json:"seal"`
}

// DocType names the certificate type.
type DocType struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// DocIssuer is the issuing department.
type DocIssuer struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	Jurisdiction string `json:"jurisdiction"`
}

// DocHolder is the holder: kind person or entity, IDType 111 (citizen ID
// number) or 001 (unified social credit code).
type DocHolder struct {
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	ID     string `json:"id"`
	IDType string `json:"idType"`
}

// DocSeal names the seal that signed, with its validity, so the signature
// can be judged offline.
type DocSeal struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Fingerprint string `json:"fingerprint"`
	ValidFrom   string `json:"validFrom"`
	ValidTo     string `json:"validTo"`
}

// Canonical returns the canonical JSON of d (see Document).
func (d *Document) Canonical() []byte {
	var b bytes.Buffer
	b.Grow(1024)
	// Members in byte order of their keys, written out by hand: this runs
	// once per certificate signed and verified.
	b.WriteString(`{"data":`)
	strMap(&b, d.Data)
	member := func(key, v string) {
		b.WriteString(key)
		str(&b, v)
	}
	member(`,"format":`, d.Format)
	member(`,"holder":{"id":`, d.Holder.ID)
	member(`,"idType":`, d.Holder.IDType)
	member(`,"kind":`, d.Holder.Kind)
	member(`,"name":`, d.Holder.Name)
	member(`},"id":`, d.ID)
	member(`,"issuedAt":`, d.IssuedAt)
	member(`,"issuer":{"code":`, d.Issuer.Code)
	member(`,"jurisdiction":`, d.Issuer.Jurisdiction)
	member(`,"name":`, d.Issuer.Name)
	member(`},"seal":{"fingerprint":`, d.Seal.Fingerprint)
	member(`,"id":`, d.Seal.ID)
	member(`,"name":`, d.Seal.Name)
	member(`,"validFrom":`, d.Seal.ValidFrom)
	member(`,"validTo":`, d.Seal.ValidTo)
	member(`},"serial":`, d.Serial)
	member(`,"type":{"code":`, d.Type.Code)
	member(`,"name":`, d.Type.Name)
	member(`},"validFrom":`, d.ValidFrom)
	member(`,"validTo":`, d.ValidTo)
	member(`,"version":`, d.Version)
	b.WriteByte('}')
	return b.Bytes()
}

// strMap writes a map of strings as a canonical object.
func strMap(b *bytes.Buffer, m map[string]string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // byte order = code point order for UTF-8
	b.WriteByte('{')
	for j, k := range keys {
		if j > 0 {
			b.WriteByte(',')
		}
		str(b, k)
		b.WriteByte(':')
		str(b, m[k])
	}
	b.WriteByte('}')
}

// ParseDocument decodes a payload and checks that it is canonical: the
// bytes are exactly what Canonical writes for the decoded document.
// EINVALID (rule cert.format) otherwise.
func ParseDocument(payload []byte) (*Document, error) {
	d, err := parseCanonical(payload)
	if err != nil {
		return nil, fieldErr("payload", RuleFormat, "签名数据不是本平台的证照格式: %s", err.Error())
	}
	if d.Format != PayloadFormat {
		return nil, fieldErr("payload", RuleFormat, "签名数据格式为 %q，应为 %q", d.Format, PayloadFormat)
	}
	return d, nil
}

// kv is one object member in the order written.
type kv struct {
	k string
	v any // string, map[string]string or []kv
}

func obj(b *bytes.Buffer, members []kv) {
	b.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			b.WriteByte(',')
		}
		str(b, m.k)
		b.WriteByte(':')
		switch v := m.v.(type) {
		case string:
			str(b, v)
		case []kv:
			obj(b, v)
		case map[string]string:
			strMap(b, v)
		}
	}
	b.WriteByte('}')
}

// str writes s as an RFC 8785 string. Invalid UTF-8 is replaced by U+FFFD
// first, as encoding/json does, so the output always decodes to itself.
func str(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	if !utf8.ValidString(s) {
		s = string(bytes.ToValidUTF8([]byte(s), []byte("\uFFFD")))
	}
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b.WriteString(s[start:i])
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xF])
		}
		start = i + 1
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

// Rules are the stable machine-readable reasons verification and issuing
// report.
const (
	RuleFormat          = "cert.format"            // payload not in the canonical format
	RuleIdentifier      = "cert.identifier"        // GB/T 36904 identifier malformed or wrong check character
	RuleSignature       = "cert.signature"         // signature does not verify over the payload
	RuleSealUnknown     = "cert.seal_unknown"      // the seal named in the payload is not known
	RuleSealKey         = "cert.seal_key"          // the public key is not the seal's (or not the pinned key)
	RuleSealMaker       = "cert.seal_maker"        // the seal information is not signed by the platform seal maker
	RuleSealRevoked     = "cert.seal_revoked"      // the seal was revoked
	RuleSealExpired     = "cert.seal_expired"      // the seal was not valid at signing time
	RuleRevoked         = "cert.revoked"           // the certificate was revoked
	RuleExpired         = "cert.expired"           // past its validity
	RuleNotYetValid     = "cert.not_yet_valid"     // before its validity
	RuleSuperseded      = "cert.superseded"        // replaced by a newer version
	RuleNotAuthorised   = "cert.not_authorised"    // the department may not issue the type
	RuleNoSeal          = "cert.no_seal"           // the department has no usable seal
	RuleHolderID        = "cert.holder_id"         // holder ID invalid for the holder kind
	RuleShowUnknown     = "cert.show_unknown"      // no such show code
	RuleShowUsed        = "cert.show_used"         // show code already used
	RuleShowExpired     = "cert.show_expired"      // show code expired
	RuleShowLocked      = "cert.show_locked"       // client locked after too many wrong codes
	RuleShowRate        = "cert.show_rate"         // client over its rate
	RuleShowGlobalLock  = "cert.show_global_lock"  // everyone locked: guessing from many clients
	RuleTypeRetired     = "cert.type_retired"      // the type takes no new certificates
	RuleStatusImmutable = "cert.status_immutable"  // revoked or superseded certificates cannot change
	RuleOfflineStatus   = "cert.status_unverified" // offline: revocation not checked
)
