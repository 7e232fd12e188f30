package quality

import (
	"context"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"huitong"
	"huitong/gbcode"
)

// NormalizeName makes names comparable: Normalize (trim, full-width to
// half-width), no white space anywhere, every middle-dot variant of
// minority and foreign names (·・•‧∙．.) as "·", Latin letters upper case.
func NormalizeName(s string) string {
	var b strings.Builder
	writeName(&b, s)
	return b.String()
}

// writeName writes NormalizeName(s) to b.
func writeName(b *strings.Builder, s string) {
	// White space goes anywhere in the loop below; what Normalize adds,
	// full-width forms and a byte order mark at the ends, is encoded with
	// a leading byte EF in UTF-8.
	if strings.IndexByte(s, 0xEF) >= 0 {
		s = gbcode.Normalize(s)
	}
	for i, r := range s {
		switch {
		case r >= 0x4E00 && r <= 0x9FFF: // CJK unified ideographs: no case, no space
			b.WriteString(s[i : i+3])
		case unicode.IsSpace(r), r == '\u200B':
		case r == '・' || r == '•' || r == '‧' || r == '∙' || r == '．' || r == '.' || r == '·':
			b.WriteRune('·')
		case r < utf8.RuneSelf && (r < 'a' || r > 'z'):
			b.WriteByte(byte(r))
		default:
			b.WriteRune(unicode.ToUpper(r))
		}
	}
}

// MatchKey is the near-duplicate key of a subject: its normalised name and
// its birth (or founding) date, "" when either is missing. Records of one
// resource with the same match key under different keys are near
// duplicates.
func MatchKey(name, date string) string {
	if date == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(name) + 1 + len(date)) // one allocation in the common case
	writeName(&b, name)
	if b.Len() == 0 {
		return ""
	}
	b.WriteByte('|')
	b.WriteString(date)
	return b.String()
}

// RefreshDuplicates recomputes the near-duplicate groups of res from its
// current records and stores them. It returns the number of groups and of
// records beyond the first in each group.
func (s *Service) RefreshDuplicates(ctx context.Context, res *huitong.Resource) (groups, extra int, err error) {
	now := s.clock.Now()
	var gs []*huitong.DuplicateGroup
	var mks []string
	err = s.db.NearDuplicateKeys(ctx, res.Code, func(mk string, keys []string) error {
		name, date, _ := strings.Cut(mk, "|")
		gs = append(gs, &huitong.DuplicateGroup{Resource: res.Code, Name: name, Date: date, Keys: keys, FoundAt: now})
		mks = append(mks, mk)
		extra += len(keys) - 1
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	if err := s.db.ReplaceDuplicateGroups(ctx, res.Code, gs, mks); err != nil {
		return 0, 0, err
	}
	return len(gs), extra, nil
}

// Duplicates lists the near-duplicate groups of a resource for its
// provider's staff (the groups name people). EFORBIDDEN for others.
func (s *Service) Duplicates(ctx context.Context, code string, offset, limit int) ([]*huitong.DuplicateGroup, int, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, 0, err
	}
	res, err := s.cat.Published(ctx, code)
	if err != nil {
		return nil, 0, err
	}
	if p.Department != res.Provider && p != huitong.System {
		return nil, 0, huitong.Errorf(huitong.EFORBIDDEN, "疑似重复记录含个人或法人信息，仅提供方部门可以查看")
	}
	groups, total, _, err := s.db.DuplicateGroups(ctx, code, offset, limit)
	return groups, total, err
}

// sameValue reports whether two stored values of an element mean the same:
// equal after NormalizeName for names, after Normalize otherwise, or equal
// as numbers.
func sameValue(role, a, b string) bool {
	if a == b {
		return true
	}
	if role == RoleName {
		return NormalizeName(a) == NormalizeName(b)
	}
	a, b = gbcode.Normalize(a), gbcode.Normalize(b)
	if a == b {
		return true
	}
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	return errA == nil && errB == nil && x == y
}
