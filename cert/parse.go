package cert

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// parseCanonical decodes a payload and checks on the way that it is
// canonical (see Document): exactly the bytes Canonical writes for some
// document. Canonical writes the members of every object in one fixed
// order, so the parser expects that skeleton literally and reads only the
// string values between its pieces; the data object's keys must be in
// strictly increasing byte order (so no duplicates), strings may use only
// the mandatory escapes, and the whole payload must be valid UTF-8.
// TestParseCanonical holds it to the reference (encoding/json plus
// Canonical) on thousands of mutated payloads.
//
// It runs on every verification, so it allocates little: every value
// without an escape is a substring of s.
func parseCanonical(s string) (*Document, error) {
	return parseCanonicalData(s, true)
}

// parseCanonicalData is parseCanonical that, without withData, checks the
// data object just as strictly but leaves Document.Data nil: online
// verification judges the metadata only, and the map was the largest
// allocation of the parse.
func parseCanonicalData(s string, withData bool) (*Document, error) {
	if !utf8.ValidString(s) {
		return nil, errors.New("invalid UTF-8")
	}
	p := &jparser{s: s, skipData: !withData}
	d := &Document{}
	p.lit(`{"data":{`)
	p.data(d)
	p.lit(`"format":`)
	d.Format = p.str()
	p.lit(`,"holder":{"id":`)
	d.Holder.ID = p.str()
	p.lit(`,"idType":`)
	d.Holder.IDType = p.str()
	p.lit(`,"kind":`)
	d.Holder.Kind = p.str()
	p.lit(`,"name":`)
	d.Holder.Name = p.str()
	p.lit(`},"id":`)
	d.ID = p.str()
	p.lit(`,"issuedAt":`)
	d.IssuedAt = p.str()
	p.lit(`,"issuer":{"code":`)
	d.Issuer.Code = p.str()
	p.lit(`,"jurisdiction":`)
	d.Issuer.Jurisdiction = p.str()
	p.lit(`,"name":`)
	d.Issuer.Name = p.str()
	p.lit(`},"seal":{"fingerprint":`)
	d.Seal.Fingerprint = p.str()
	p.lit(`,"id":`)
	d.Seal.ID = p.str()
	p.lit(`,"name":`)
	d.Seal.Name = p.str()
	p.lit(`,"validFrom":`)
	d.Seal.ValidFrom = p.str()
	p.lit(`,"validTo":`)
	d.Seal.ValidTo = p.str()
	p.lit(`},"serial":`)
	d.Serial = p.str()
	p.lit(`,"type":{"code":`)
	d.Type.Code = p.str()
	p.lit(`,"name":`)
	d.Type.Name = p.str()
	p.lit(`},"validFrom":`)
	d.ValidFrom = p.str()
	p.lit(`,"validTo":`)
	d.ValidTo = p.str()
	p.lit(`,"version":`)
	d.Version = p.str()
	p.lit(`}`)
	if p.err == nil && p.i != len(p.s) {
		p.err = errors.New("trailing bytes after the object at byte " + strconv.Itoa(p.i))
	}
	if p.err != nil {
		return nil, p.err
	}
	return d, nil
}

// jparser reads the canonical JSON of a Document. The first error sticks:
// every later call is a no-op, so the caller checks err once at the end.
type jparser struct {
	s        string
	i        int
	err      error
	skipData bool // check the data object's members without keeping them
}

func (p *jparser) fail(what string) {
	if p.err == nil {
		p.err = errors.New(what + " at byte " + strconv.Itoa(p.i))
	}
}

// lit consumes the literal piece of the skeleton want.
func (p *jparser) lit(want string) {
	if p.err != nil {
		return
	}
	if len(p.s)-p.i < len(want) || p.s[p.i:p.i+len(want)] != want {
		p.fail("expected " + strconv.Quote(want))
		return
	}
	p.i += len(want)
}

// data reads the members of the data object up to and including the comma
// after its closing brace: keys in strictly increasing byte order.
func (p *jparser) data(d *Document) {
	if !p.skipData {
		d.Data = make(map[string]string, 8)
	}
	prev := ""
	for first := true; p.err == nil; first = false {
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			p.lit(",")
			return
		}
		if !first {
			p.lit(",")
		}
		k := p.str()
		if p.err != nil {
			return
		}
		if !first && k <= prev {
			p.fail("member data." + strconv.Quote(k) + " out of order (keys must be sorted by byte order, without duplicates)")
			return
		}
		prev = k
		p.lit(":")
		if v := p.str(); !p.skipData {
			d.Data[k] = v
		}
	}
}

// str reads a string with only the escapes Canonical writes.
func (p *jparser) str() string {
	if p.err != nil {
		return ""
	}
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		p.fail("string expected")
		return ""
	}
	p.i++
	start := p.i
	var out []byte // only for strings with escapes
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			v := p.s[start:p.i]
			if out != nil {
				v = string(append(out, v...))
			}
			p.i++
			return v
		case c < 0x20:
			p.fail("raw control character in string")
			return ""
		case c == '\\':
			out = append(out, p.s[start:p.i]...)
			if p.i+1 >= len(p.s) {
				p.fail("unterminated escape")
				return ""
			}
			e := p.s[p.i+1]
			p.i += 2
			switch e {
			case '"', '\\':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				// Canonical: only for control characters without a short
				// form, as \u00xx with lower-case hex.
				if p.i+4 > len(p.s) || p.s[p.i] != '0' || p.s[p.i+1] != '0' {
					p.fail("non-canonical \\u escape")
					return ""
				}
				hi, lo := lowerHex(p.s[p.i+2]), lowerHex(p.s[p.i+3])
				n := byte(hi<<4 | lo)
				if hi < 0 || lo < 0 || n >= 0x20 || n == '\b' || n == '\t' || n == '\n' || n == '\f' || n == '\r' {
					p.fail("non-canonical \\u escape")
					return ""
				}
				out = append(out, n)
				p.i += 4
			default:
				p.fail("non-canonical escape")
				return ""
			}
			start = p.i
		default:
			p.i++
		}
	}
	p.fail("unterminated string")
	return ""
}

// lowerHex is the value of a lower-case hex digit, or -1.
func lowerHex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
}
