package quality

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"time"

	"huitong"
	"huitong/store"
)

// One source per data element (一数一源). An element whose register entry
// names an authoritative department is compared, subject by subject,
// between a resource of that department and every other department's
// resource holding the element under the same kind of key (citizen ID
// number or credit code). Each disagreement opens a dispute routed to the
// authority. The comparison is a merge join of the two resources' records
// in key order, streaming: time grows linearly with the two sizes and
// memory stays flat.

// pairItem is one element compared between two resources.
type pairItem struct {
	elem     *huitong.DataElement
	otherKey string // data key in the non-authoritative resource
	authKey  string // data key in the authoritative resource
}

// disputeKey identifies a dispute within a pair of resources.
type disputeKey struct{ element, subject string }

// Reconcile compares res with every other table-mounted resource holding
// records under the same kind of key, for each element both hold whose
// authority provides one of the two, opening disputes for disagreements
// and resolving those that now agree. With since > 0 only the records of
// res written after change sequence since are compared (point lookups in
// the other resource), when they are few; otherwise both resources are
// merged in full. It returns the numbers opened and resolved.
func (s *Service) Reconcile(ctx context.Context, res *huitong.Resource, since int64) (opened, resolved int, err error) {
	kind := keyKind(res)
	if kind == "" {
		return 0, 0, nil
	}
	reg, err := s.Registry(ctx)
	if err != nil {
		return 0, 0, err
	}
	mine := reg.governedItems(res)
	if len(mine) == 0 {
		return 0, 0, nil
	}
	var changed []*huitong.Record
	if since > 0 {
		if changed, err = s.changedSince(ctx, res.Code, since); err != nil {
			return 0, 0, err
		}
	}
	codes, err := s.db.ResourcesWithRecords(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, code := range codes {
		if code == res.Code {
			continue
		}
		other, err := s.cat.Published(ctx, code)
		if huitong.ErrorCode(err) == huitong.ENOTFOUND {
			continue
		} else if err != nil {
			return opened, resolved, err
		}
		if keyKind(other) != kind || other.Provider == res.Provider {
			continue
		}
		var resAuth, otherAuth []pairItem
		for _, t := range reg.governedItems(other) {
			for _, m := range mine {
				if m.elem != t.elem {
					continue
				}
				switch m.elem.Authority {
				case res.Provider:
					resAuth = append(resAuth, pairItem{elem: m.elem, otherKey: t.key, authKey: m.key})
				case other.Provider:
					otherAuth = append(otherAuth, pairItem{elem: m.elem, otherKey: m.key, authKey: t.key})
				}
			}
		}
		for _, p := range []struct {
			nonAuth, auth *huitong.Resource
			items         []pairItem
			resIsAuth     bool
		}{{other, res, resAuth, true}, {res, other, otherAuth, false}} {
			if len(p.items) == 0 {
				continue
			}
			c, err := s.newComparer(ctx, p.nonAuth, p.auth, p.items)
			if err != nil {
				return opened, resolved, err
			}
			switch {
			case changed != nil:
				err = c.changed(ctx, changed, p.resIsAuth)
			default:
				err = c.full(ctx)
			}
			if err == nil {
				err = c.flush(ctx, true)
			}
			opened, resolved = opened+c.opened, resolved+c.resolved
			if err != nil {
				return opened, resolved, fmt.Errorf("quality: reconcile %s/%s: %w", p.nonAuth.Code, p.auth.Code, err)
			}
		}
	}
	return opened, resolved, nil
}

// changedSince returns the records of code written after since, or nil
// when they are more than a fifth of the resource (a merge is cheaper).
func (s *Service) changedSince(ctx context.Context, code string, since int64) ([]*huitong.Record, error) {
	last, err := s.db.LastRecordSeq(ctx, code)
	if err != nil {
		return nil, err
	}
	if (last-since)*5 > last { // writes since, against all writes ever: at least the records
		return nil, nil
	}
	out := []*huitong.Record{}
	for seq := since; ; {
		page, err := s.db.RecordsChangedSince(ctx, code, seq, 2000)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < 2000 {
			return out, nil
		}
		seq = page[len(page)-1].Seq
	}
}

func keyKind(res *huitong.Resource) huitong.KeyKind {
	if res.Mount.Kind != huitong.MountTable {
		return ""
	}
	k := res.KeyItem()
	if k == nil || (k.KeyKind != huitong.KeyCitizenID && k.KeyKind != huitong.KeyUSCC) {
		return ""
	}
	return k.KeyKind
}

// comparer decides the disputes between a non-authoritative resource and
// the authoritative one, buffering writes.
type comparer struct {
	s                *Service
	nonAuth, auth    *huitong.Resource
	items            []pairItem
	existing         map[disputeKey]*huitong.Dispute
	visited          map[*huitong.Dispute]bool
	now, deadline    time.Time
	inserts, updates []*huitong.Dispute
	opened, resolved int
}

func (s *Service) newComparer(ctx context.Context, nonAuth, auth *huitong.Resource, items []pairItem) (*comparer, error) {
	list, err := s.db.DisputesBetween(ctx, nonAuth.Code, auth.Code)
	if err != nil {
		return nil, err
	}
	existing := make(map[disputeKey]*huitong.Dispute, len(list))
	for _, d := range list {
		existing[disputeKey{d.Element, d.Subject}] = d
	}
	now := s.clock.Now()
	return &comparer{s: s, nonAuth: nonAuth, auth: auth, items: items, existing: existing, visited: map[*huitong.Dispute]bool{},
		now: now, deadline: s.cfg.calendar().Deadline(now, s.cfg.DisputeDays)}, nil
}

// judge records the outcome for one subject and element: agree (values
// equal, or one side lacks a value) or disagree with the two values.
func (c *comparer) judge(subject string, it pairItem, agree bool, value, authValue string) {
	var d *huitong.Dispute
	if len(c.existing) > 0 {
		d = c.existing[disputeKey{it.elem.Code, subject}]
	}
	if d != nil {
		c.visited[d] = true
	}
	switch {
	case !agree && d == nil:
		c.inserts = append(c.inserts, &huitong.Dispute{Element: it.elem.Code, ElementName: it.elem.Name, Subject: subject,
			Authority: c.auth.Provider, AuthorityResource: c.auth.Code, AuthorityValue: authValue, Resource: c.nonAuth.Code, Provider: c.nonAuth.Provider,
			Value: value, Status: huitong.DisputeOpen, Deadline: c.deadline, CreatedAt: c.now, UpdatedAt: c.now})
		c.opened++
	case !agree && (d.Status == huitong.DisputeResolved || d.Value != value || d.AuthorityValue != authValue):
		// The disagreement is back, or its values moved: the authority
		// looks again.
		d.Value, d.AuthorityValue, d.Authority = value, authValue, c.auth.Provider
		d.Status, d.Deadline, d.UpdatedAt = huitong.DisputeOpen, c.deadline, c.now
		d.Answer, d.CorrectedValue, d.AnsweredBy, d.AnsweredAt = "", "", "", time.Time{}
		c.updates = append(c.updates, d)
		c.opened++
	case agree && d != nil && d.Status != huitong.DisputeResolved:
		c.resolve(d)
	}
}

func (c *comparer) resolve(d *huitong.Dispute) {
	d.Status, d.UpdatedAt = huitong.DisputeResolved, c.now
	c.updates = append(c.updates, d)
	c.resolved++
}

func (c *comparer) flush(ctx context.Context, final bool) error {
	if len(c.inserts) < 1000 && len(c.updates) < 1000 && !final {
		return nil
	}
	err := c.s.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.InsertDisputes(ctx, c.inserts); err != nil {
			return err
		}
		for _, d := range c.updates {
			if err := tx.SaveDispute(ctx, d); err != nil {
				return err
			}
		}
		return nil
	})
	c.inserts, c.updates = c.inserts[:0], c.updates[:0]
	return err
}

// full compares every subject the two resources share.
func (c *comparer) full(ctx context.Context) error {
	a, err := c.s.db.RecordStats(ctx, c.nonAuth.Code)
	if err != nil {
		return err
	}
	b, err := c.s.db.RecordStats(ctx, c.auth.Code)
	if err != nil {
		return err
	}
	if limit := c.s.cfg.HashJoinMax; limit < 0 || min(a.Records, b.Records) > limit {
		return c.merge(ctx)
	}
	return c.hashJoin(ctx, a.Records <= b.Records, min(a.Records, b.Records))
}

// hashJoin reads the smaller resource (the non-authoritative one when
// smallIsNonAuth) in stored order into a map of its compared values, then
// reads the other in stored order and compares each subject found in the
// map. Both reads are sequential, so time grows linearly with the sizes.
func (c *comparer) hashJoin(ctx context.Context, smallIsNonAuth bool, size int) error {
	small, large := c.auth, c.nonAuth
	if smallIsNonAuth {
		small, large = c.nonAuth, c.auth
	}
	ps, pl := make([][]byte, len(c.items)), make([][]byte, len(c.items))
	for i, it := range c.items {
		ps[i], pl[i] = fieldPattern(it.authKey), fieldPattern(it.otherKey)
		if smallIsNonAuth {
			ps[i], pl[i] = pl[i], ps[i]
		}
	}
	// Values of the small side: the raw JSON values joined by NUL (never in
	// a JSON string, where control characters are escaped); a missing one
	// is empty (stored values never are).
	held := newJoinTable(size)
	var buf []byte
	err := c.s.db.ScanRecordsStored(ctx, small.Code, func(key string, data []byte) error {
		buf = buf[:0]
		for i := range c.items {
			if i > 0 {
				buf = append(buf, 0)
			}
			buf = append(buf, jsonField(data, ps[i])...)
		}
		held.put(key, buf)
		return nil
	})
	if err != nil {
		return err
	}
	err = c.s.db.ScanRecordsStored(ctx, large.Code, func(key string, data []byte) error {
		vals, ok := held.get(key)
		if !ok {
			return nil
		}
		for i, it := range c.items {
			mine := vals
			if j := bytes.IndexByte(vals, 0); j >= 0 {
				mine, vals = vals[:j], vals[j+1:]
			}
			if len(mine) == 0 {
				mine = nil
			}
			va, vb := mine, jsonField(data, pl[i])
			if !smallIsNonAuth {
				va, vb = vb, va
			}
			if va == nil || vb == nil || bytes.Equal(va, vb) {
				c.judge(key, it, true, "", "")
				continue
			}
			sa, sb := unquote(va), unquote(vb)
			c.judge(key, it, sameValue(it.elem.Role, sa, sb), sa, sb)
		}
		return c.flush(ctx, false)
	})
	if err != nil {
		return err
	}
	c.resolveUnvisited()
	return nil
}

// joinTable holds the compared values of one side of a hash join by
// subject key, in one byte arena indexed by a map of 64-bit hashes: no
// pointers for the garbage collector to trace, and two allocations that
// grow rather than two per subject. Keys are compared in full on lookup;
// entries whose keys share a hash are chained.
type joinTable struct {
	hash  func(string) uint64
	index map[uint64]int // hash of key -> offset of the last entry put with it
	arena []byte         // entries: previous entry with the same hash (offset+1, 0 for none), key, values; lengths as uvarints
}

func newJoinTable(size int) *joinTable {
	seed := maphash.MakeSeed()
	return &joinTable{hash: func(k string) uint64 { return maphash.String(seed, k) },
		index: make(map[uint64]int, size)} // sized once: growing rehashes it all
}

// entry returns the entry at offset off: the offset of the previous entry
// with the same hash (-1 for none), its key and its values.
func (j *joinTable) entry(off int) (prev int, key, vals []byte) {
	p, w := binary.Uvarint(j.arena[off:])
	off += w
	n, w := binary.Uvarint(j.arena[off:])
	off += w
	key = j.arena[off : off+int(n)]
	off += int(n)
	n, w = binary.Uvarint(j.arena[off:])
	off += w
	return int(p) - 1, key, j.arena[off : off+int(n)]
}

// put stores the values of key; each key is put at most once.
func (j *joinTable) put(key string, vals []byte) {
	h := j.hash(key)
	prev, ok := j.index[h]
	if !ok {
		prev = -1
	}
	j.index[h] = len(j.arena)
	j.arena = binary.AppendUvarint(j.arena, uint64(prev+1))
	j.arena = binary.AppendUvarint(j.arena, uint64(len(key)))
	j.arena = append(j.arena, key...)
	j.arena = binary.AppendUvarint(j.arena, uint64(len(vals)))
	j.arena = append(j.arena, vals...)
}

// get returns the values of key, valid until the next put.
func (j *joinTable) get(key string) ([]byte, bool) {
	off, ok := j.index[j.hash(key)]
	for ok && off >= 0 {
		prev, k, vals := j.entry(off)
		if string(k) == key {
			return vals, true
		}
		off = prev
	}
	return nil, false
}

func (c *comparer) resolveUnvisited() {
	for _, d := range c.existing {
		if !c.visited[d] && d.Status != huitong.DisputeResolved {
			c.resolve(d)
		}
	}
}

// merge walks both resources in key order (a merge join) and compares
// every subject they share; disputes of subjects gone from either side
// are resolved.
func (c *comparer) merge(ctx context.Context) error {
	a, err := c.s.db.OpenRecordCursor(ctx, c.nonAuth.Code)
	if err != nil {
		return err
	}
	defer a.Close()
	b, err := c.s.db.OpenRecordCursor(ctx, c.auth.Code)
	if err != nil {
		return err
	}
	defer b.Close()
	pa, pb := make([][]byte, len(c.items)), make([][]byte, len(c.items))
	for i, it := range c.items {
		pa[i], pb[i] = fieldPattern(it.otherKey), fieldPattern(it.authKey)
	}
	okA, okB := a.Next(), b.Next()
	for okA && okB {
		switch ka, kb := a.Key(), b.Key(); {
		case ka < kb:
			okA = a.Next()
			continue
		case ka > kb:
			okB = b.Next()
			continue
		}
		for i, it := range c.items {
			va, vb := jsonField(a.Data(), pa[i]), jsonField(b.Data(), pb[i])
			if va == nil || vb == nil || bytes.Equal(va, vb) {
				c.judge(a.Key(), it, true, "", "")
				continue
			}
			sa, sb := unquote(va), unquote(vb)
			c.judge(a.Key(), it, sameValue(it.elem.Role, sa, sb), sa, sb)
		}
		if err := c.flush(ctx, false); err != nil {
			return err
		}
		okA, okB = a.Next(), b.Next()
	}
	if err := a.Err(); err != nil {
		return err
	}
	if err := b.Err(); err != nil {
		return err
	}
	c.resolveUnvisited()
	return nil
}

// changed compares only the given records of one side (the authoritative
// one when resIsAuth) with the other side's record of the same subject,
// read by key.
func (c *comparer) changed(ctx context.Context, recs []*huitong.Record, resIsAuth bool) error {
	other := c.auth
	if resIsAuth {
		other = c.nonAuth
	}
	for _, r := range recs {
		var mine, theirs map[string]string
		if !r.Deleted {
			mine = r.Data
		}
		o, err := c.s.db.FindRecord(ctx, other.Code, r.Key)
		if err == nil {
			theirs = o.Data
		} else if huitong.ErrorCode(err) != huitong.ENOTFOUND {
			return err
		}
		nonAuth, auth := mine, theirs
		if resIsAuth {
			nonAuth, auth = theirs, mine
		}
		for _, it := range c.items {
			va, okA := nonAuth[it.otherKey]
			vb, okB := auth[it.authKey]
			agree := !okA || !okB || sameValue(it.elem.Role, va, vb)
			c.judge(r.Key, it, agree, va, vb)
		}
		if err := c.flush(ctx, false); err != nil {
			return err
		}
	}
	return nil
}

// fieldPattern is what precedes the value of key in a flat JSON object as
// the ingest pipeline writes it: "key":" .
func fieldPattern(key string) []byte {
	k, _ := json.Marshal(key)
	return append(k, ':', '"')
}

// jsonField returns the raw (still escaped) string value after pattern (see
// fieldPattern) in a flat JSON object of string values, or nil. Inside
// values every quote is escaped, so the pattern only matches a key.
func jsonField(data, pattern []byte) []byte {
	i := bytes.Index(data, pattern)
	if i < 0 {
		return nil
	}
	v := data[i+len(pattern):]
	for j := 0; j < len(v); j++ {
		switch v[j] {
		case '\\':
			j++
		case '"':
			return v[:j]
		}
	}
	return nil
}

func unquote(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw)
	}
	var s string
	q := make([]byte, 0, len(raw)+2)
	q = append(append(append(q, '"'), raw...), '"')
	if err := json.Unmarshal(q, &s); err != nil {
		return string(raw)
	}
	return s
}
