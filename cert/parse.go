package cert

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// parseCanonical decodes a payload and checks on the way that it is
// canonical (see Document): objects and strings only, no white space,
// members in strictly increasing byte order (so no duplicates), only the
// mandatory escapes, valid UTF-8. It is a small parser for that subset of
// JSON, several times faster than encoding/json plus a re-encoding on the
// verification path; TestParseCanonical holds it to Canonical.
func parseCanonical(b []byte) (*Document, error) {
	p := &jparser{b: b}
	d := &Document{}
	seen := map[string]bool{}
	err := p.members(func(k string) error {
		if seen[k] {
			return errors.New("duplicate member " + strconv.Quote(k))
		}
		seen[k] = true
		switch k {
		case "format":
			return p.into(&d.Format)
		case "id":
			return p.into(&d.ID)
		case "serial":
			return p.into(&d.Serial)
		case "version":
			return p.into(&d.Version)
		case "issuedAt":
			return p.into(&d.IssuedAt)
		case "validFrom":
			return p.into(&d.ValidFrom)
		case "validTo":
			return p.into(&d.ValidTo)
		case "type":
			return p.fields(k, map[string]*string{"code": &d.Type.Code, "name": &d.Type.Name})
		case "issuer":
			return p.fields(k, map[string]*string{"code": &d.Issuer.Code, "name": &d.Issuer.Name, "jurisdiction": &d.Issuer.Jurisdiction})
		case "holder":
			return p.fields(k, map[string]*string{"kind": &d.Holder.Kind, "name": &d.Holder.Name, "id": &d.Holder.ID, "idType": &d.Holder.IDType})
		case "seal":
			return p.fields(k, map[string]*string{"id": &d.Seal.ID, "name": &d.Seal.Name, "fingerprint": &d.Seal.Fingerprint, "validFrom": &d.Seal.ValidFrom, "validTo": &d.Seal.ValidTo})
		case "data":
			d.Data = map[string]string{}
			return p.members(func(item string) error {
				if _, dup := d.Data[item]; dup {
					return errors.New("duplicate member data." + item)
				}
				v, err := p.str()
				d.Data[item] = v
				return err
			})
		}
		return errors.New("unknown member " + strconv.Quote(k))
	})
	if err != nil {
		return nil, err
	}
	if p.i != len(b) {
		return nil, errors.New("trailing bytes after the object")
	}
	if len(seen) != 12 {
		return nil, errors.New("members missing")
	}
	return d, nil
}

// members parses an object, calling fn after each key to parse its value.
func (p *jparser) members(fn func(k string) error) error {
	if p.i >= len(p.b) || p.b[p.i] != '{' {
		return errors.New("object expected at byte " + strconv.Itoa(p.i))
	}
	p.i++
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return nil
	}
	prev := ""
	for first := true; ; first = false {
		k, err := p.str()
		if err != nil {
			return err
		}
		if !first && k <= prev {
			return errors.New("member " + strconv.Quote(k) + " out of order (keys must be sorted by byte order)")
		}
		prev = k
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return errors.New("':' expected at byte " + strconv.Itoa(p.i))
		}
		p.i++
		if err := fn(k); err != nil {
			return err
		}
		if p.i >= len(p.b) {
			return errors.New("unterminated object")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return nil
		default:
			return errors.New("',' or '}' expected at byte " + strconv.Itoa(p.i))
		}
	}
}

func (p *jparser) into(dst *string) (err error) {
	*dst, err = p.str()
	return err
}

// fields parses an object of exactly the named string members.
func (p *jparser) fields(name string, dst map[string]*string) error {
	n := 0
	err := p.members(func(k string) error {
		f, ok := dst[k]
		if !ok {
			return errors.New(name + ": unknown member " + strconv.Quote(k))
		}
		n++
		return p.into(f)
	})
	if err == nil && n != len(dst) {
		return errors.New(name + ": members missing or repeated")
	}
	return err
}

type jparser struct {
	b []byte
	i int
}

func (p *jparser) str() (string, error) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return "", errors.New("string expected at byte " + strconv.Itoa(p.i))
	}
	p.i++
	start := p.i
	var out []byte
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := string(p.b[start:p.i])
			if out != nil {
				s = string(append(out, p.b[start:p.i]...))
			}
			p.i++
			if !utf8.ValidString(s) {
				return "", errors.New("invalid UTF-8")
			}
			return s, nil
		case c < 0x20:
			return "", errors.New("raw control character in string")
		case c == '\\':
			out = append(out, p.b[start:p.i]...)
			if p.i+1 >= len(p.b) {
				return "", errors.New("unterminated escape")
			}
			e := p.b[p.i+1]
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
				if p.i+4 > len(p.b) || p.b[p.i] != '0' || p.b[p.i+1] != '0' {
					return "", errors.New("non-canonical \\u escape")
				}
				n, err := strconv.ParseUint(string(p.b[p.i+2:p.i+4]), 16, 8)
				if err != nil || n >= 0x20 || n == '\b' || n == '\t' || n == '\n' || n == '\f' || n == '\r' ||
					strings.ContainsAny(string(p.b[p.i+2:p.i+4]), "ABCDEF") {
					return "", errors.New("non-canonical \\u escape")
				}
				out = append(out, byte(n))
				p.i += 4
			default:
				return "", errors.New("non-canonical escape")
			}
			start = p.i
		default:
			p.i++
		}
	}
	return "", errors.New("unterminated string")
}
