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
	// Members in byte order of their keys, written out by hand into one
	// buffer of the right size: this runs once per certificate signed.
	n := 330 + len(d.Format) + len(d.ID) + len(d.Type.Code) + len(d.Type.Name) + len(d.Serial) + len(d.Version) +
		len(d.Issuer.Code) + len(d.Issuer.Name) + len(d.Issuer.Jurisdiction) + len(d.Holder.Kind) + len(d.Holder.Name) +
		len(d.Holder.ID) + len(d.Holder.IDType) + len(d.IssuedAt) + len(d.ValidFrom) + len(d.ValidTo) + len(d.Seal.ID) +
		len(d.Seal.Name) + len(d.Seal.Fingerprint) + len(d.Seal.ValidFrom) + len(d.Seal.ValidTo)
	for k, v := range d.Data {
		n += len(k) + len(v) + 6
	}
	b := make([]byte, 0, n)
	b = append(b, `{"data":`...)
	b = appendStrMap(b, d.Data)
	b = appendStr(append(b, `,"format":`...), d.Format)
	b = appendStr(append(b, `,"holder":{"id":`...), d.Holder.ID)
	b = appendStr(append(b, `,"idType":`...), d.Holder.IDType)
	b = appendStr(append(b, `,"kind":`...), d.Holder.Kind)
	b = appendStr(append(b, `,"name":`...), d.Holder.Name)
	b = appendStr(append(b, `},"id":`...), d.ID)
	b = appendStr(append(b, `,"issuedAt":`...), d.IssuedAt)
	b = appendStr(append(b, `,"issuer":{"code":`...), d.Issuer.Code)
	b = appendStr(append(b, `,"jurisdiction":`...), d.Issuer.Jurisdiction)
	b = appendStr(append(b, `,"name":`...), d.Issuer.Name)
	b = appendStr(append(b, `},"seal":{"fingerprint":`...), d.Seal.Fingerprint)
	b = appendStr(append(b, `,"id":`...), d.Seal.ID)
	b = appendStr(append(b, `,"name":`...), d.Seal.Name)
	b = appendStr(append(b, `,"validFrom":`...), d.Seal.ValidFrom)
	b = appendStr(append(b, `,"validTo":`...), d.Seal.ValidTo)
	b = appendStr(append(b, `},"serial":`...), d.Serial)
	b = appendStr(append(b, `,"type":{"code":`...), d.Type.Code)
	b = appendStr(append(b, `,"name":`...), d.Type.Name)
	b = appendStr(append(b, `},"validFrom":`...), d.ValidFrom)
	b = appendStr(append(b, `,"validTo":`...), d.ValidTo)
	b = appendStr(append(b, `,"version":`...), d.Version)
	return append(b, '}')
}

// appendStrMap appends a map of strings as a canonical object.
func appendStrMap(b []byte, m map[string]string) []byte {
	var buf [16]string
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // byte order = code point order for UTF-8
	b = append(b, '{')
	for j, k := range keys {
		if j > 0 {
			b = append(b, ',')
		}
		b = append(appendStr(b, k), ':')
		b = appendStr(b, m[k])
	}
	return append(b, '}')
}

// strMap writes a map of strings as a canonical object.
func strMap(b *bytes.Buffer, m map[string]string) {
	b.Write(appendStrMap(b.AvailableBuffer(), m))
}

// ParseDocument decodes a payload and checks that it is canonical: the
// bytes are exactly what Canonical writes for the decoded document.
// EINVALID (rule cert.format) otherwise.
func ParseDocument(payload []byte) (*Document, error) {
	return parseDocument(string(payload))
}

// parseDocument is ParseDocument of a payload held in a string.
func parseDocument(payload string) (*Document, error) {
	return parseDocumentData(payload, true)
}

// parseDocumentData is parseDocument that leaves Data nil without
// withData (see parseCanonicalData).
func parseDocumentData(payload string, withData bool) (*Document, error) {
	d, err := parseCanonicalData(payload, withData)
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

// str writes s as an RFC 8785 string (see appendStr).
func str(b *bytes.Buffer, s string) {
	b.Write(appendStr(b.AvailableBuffer(), s))
}

// appendStr appends s as an RFC 8785 string. Invalid UTF-8 is replaced by
// U+FFFD, as encoding/json does, so the output always decodes to itself.
// One pass: ASCII is checked byte by byte, and only multi-byte sequences
// are decoded.
func appendStr(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = append(b, "\uFFFD"...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"':
			b = append(b, `\"`...)
		case '\\':
			b = append(b, `\\`...)
		case '\b':
			b = append(b, `\b`...)
		case '\t':
			b = append(b, `\t`...)
		case '\n':
			b = append(b, `\n`...)
		case '\f':
			b = append(b, `\f`...)
		case '\r':
			b = append(b, `\r`...)
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
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
