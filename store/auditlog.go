package store

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"huitong"
	"huitong/audit"
	"huitong/gm"
)

// The audit trail beyond the single append of audit.go: batched appends
// (group commit), entries indexed by subject, the platform's signing keys,
// signed checkpoints, and a verification that checks chains and
// checkpoints together.

// AppendAuditBatch appends entries in order inside tx, like AppendAudit
// for each but with one read and one write of each chain's head and
// multi-row inserts. subjects, when not nil, holds for each entry the
// keyed hash of its subject key ("" for none), written to audit_subjects.
func (tx *Tx) AppendAuditBatch(ctx context.Context, entries []*huitong.AuditEntry, subjects []string) error {
	if len(entries) == 0 {
		return nil
	}
	now := tx.db.Now()
	// Entries of one chain keep their order; chains are handled in the
	// order they first appear.
	var order []string
	byChain := map[string][]int{}
	for i, e := range entries {
		withAuditDefaults(e, now)
		if _, ok := byChain[e.Chain]; !ok {
			order = append(order, e.Chain)
		}
		byChain[e.Chain] = append(byChain[e.Chain], i)
	}
	for _, chain := range order {
		idx := byChain[chain]
		n := int64(len(idx))
		var last int64
		var prev string
		err := tx.QueryRowContext(ctx, `UPDATE audit_heads SET seq = seq + ? WHERE chain = ? RETURNING seq, hash`, n, chain).Scan(&last, &prev)
		if errors.Is(err, sql.ErrNoRows) {
			last, prev = n, audit.Genesis
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_heads (chain, seq, hash) VALUES (?, ?, ?)`, chain, n, prev); err != nil {
				return fmt.Errorf("store: audit head: %w", err)
			}
		} else if err != nil {
			return fmt.Errorf("store: audit head: %w", err)
		}
		seq := last - n + 1
		for _, i := range idx {
			e := entries[i]
			e.Seq = seq
			audit.Seal(prev, e)
			prev = e.Hash
			seq++
		}
		const perInsert = 64
		for start := 0; start < len(idx); start += perInsert {
			part := idx[start:min(start+perInsert, len(idx))]
			var q strings.Builder
			q.WriteString(`INSERT INTO audit_log (chain, seq, at, actor, department, action, object, result, detail, prev_hash, hash) VALUES `)
			args := make([]any, 0, len(part)*11)
			for j, i := range part {
				if j > 0 {
					q.WriteByte(',')
				}
				q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
				e := entries[i]
				args = append(args, e.Chain, e.Seq, e.At, e.Actor, e.Department, e.Action, e.Object, e.Result, e.Detail, e.PrevHash, e.Hash)
			}
			if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
				return fmt.Errorf("store: append audit: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE audit_heads SET hash = ? WHERE chain = ?`, prev, chain); err != nil {
			return fmt.Errorf("store: audit head: %w", err)
		}
	}
	if subjects != nil {
		var q strings.Builder
		var args []any
		flush := func() error {
			if len(args) == 0 {
				return nil
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO audit_subjects (subject, chain, seq) VALUES `+q.String()+` ON CONFLICT DO NOTHING`, args...)
			q.Reset()
			args = args[:0]
			if err != nil {
				return fmt.Errorf("store: audit subjects: %w", err)
			}
			return nil
		}
		for i, s := range subjects {
			if s == "" || i >= len(entries) {
				continue
			}
			if len(args) > 0 {
				q.WriteByte(',')
			}
			q.WriteString("(?, ?, ?)")
			args = append(args, s, entries[i].Chain, entries[i].Seq)
			if len(args) >= 3*200 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
	}
	return nil
}

// IndexAuditSubjects adds index rows pointing subjects at one entry (an
// export that touched many subjects).
func (tx *Tx) IndexAuditSubjects(ctx context.Context, chain string, seq int64, subjects []string) error {
	for start := 0; start < len(subjects); start += 200 {
		part := subjects[start:min(start+200, len(subjects))]
		q := strings.Repeat("(?, ?, ?),", len(part))
		args := make([]any, 0, 3*len(part))
		for _, s := range part {
			args = append(args, s, chain, seq)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_subjects (subject, chain, seq) VALUES `+q[:len(q)-1]+` ON CONFLICT DO NOTHING`, args...); err != nil {
			return fmt.Errorf("store: audit subjects: %w", err)
		}
	}
	return nil
}

// AuditHead returns the last sequence number and hash of chain; 0 and the
// genesis hash when it is empty.
func (db *DB) AuditHead(ctx context.Context, chain string) (int64, string, error) {
	var seq int64
	var hash string
	err := db.QueryRowContext(ctx, `SELECT seq, hash FROM audit_heads WHERE chain = ?`, chain).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, audit.Genesis, nil
	}
	return seq, hash, err
}

// FindAuditEntry returns entry seq of chain. ENOTFOUND when none.
func (db *DB) FindAuditEntry(ctx context.Context, chain string, seq int64) (*huitong.AuditEntry, error) {
	e, err := scanAudit(db.QueryRowContext(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE chain = ? AND seq = ?`, chain, seq))
	if err != nil {
		return nil, notFound(err, "审计记录不存在: %s/%d", chain, seq)
	}
	return e, nil
}

// AuditRange yields the entries of chain from seq from to seq to
// (inclusive) in order, reading in pages.
func (db *DB) AuditRange(ctx context.Context, chain string, from, to int64) iter.Seq2[*huitong.AuditEntry, error] {
	return func(yield func(*huitong.AuditEntry, error) bool) {
		for next := from; next <= to; {
			rows, err := db.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE chain = ? AND seq >= ? AND seq <= ? ORDER BY seq LIMIT 2000`, chain, next, to)
			if err != nil {
				yield(nil, fmt.Errorf("store: audit range: %w", err))
				return
			}
			var page []*huitong.AuditEntry
			for rows.Next() {
				e, err := scanAudit(rows)
				if err != nil {
					rows.Close()
					yield(nil, err)
					return
				}
				page = append(page, e)
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				yield(nil, err)
				return
			}
			if len(page) == 0 {
				return
			}
			for _, e := range page {
				if !yield(e, nil) {
					return
				}
			}
			next = page[len(page)-1].Seq + 1
		}
	}
}

// AuditBySubject lists the entries indexed under the subject hash, newest
// first.
func (db *DB) AuditBySubject(ctx context.Context, subject string, offset, limit int) ([]*huitong.AuditEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT l.chain, l.seq, l.at, l.actor, l.department, l.action, l.object, l.result, l.detail, l.prev_hash, l.hash
		FROM audit_subjects s JOIN audit_log l ON l.chain = s.chain AND l.seq = s.seq
		WHERE s.subject = ? ORDER BY l.at DESC, l.seq DESC LIMIT %d OFFSET %d`, limit, max(offset, 0)), subject)
	if err != nil {
		return nil, fmt.Errorf("store: audit by subject: %w", err)
	}
	return collectAudit(rows)
}

func collectAudit(rows *sql.Rows) ([]*huitong.AuditEntry, error) {
	defer rows.Close()
	var out []*huitong.AuditEntry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ExchangeAuditFilter selects audit entries of sharing and exchange.
type ExchangeAuditFilter struct {
	Department string   // acting department (a consumer's own use)
	Objects    []string // resource codes (a provider's resources); empty = any
	Action     string   // exact action, or a prefix ending in '.'; default "exchange."
	From, To   time.Time
	Offset     int
	Limit      int
}

// ExchangeAudit lists exchange entries matching f, newest first.
func (db *DB) ExchangeAudit(ctx context.Context, f ExchangeAuditFilter) ([]*huitong.AuditEntry, error) {
	q := `SELECT ` + auditColumns + ` FROM audit_log WHERE `
	var args []any
	action := f.Action
	if action == "" {
		action = "exchange."
	}
	if strings.HasSuffix(action, ".") {
		q += `action LIKE ?`
		args = append(args, action+"%")
	} else {
		q += `action = ?`
		args = append(args, action)
	}
	if f.Department != "" {
		q += ` AND department = ?`
		args = append(args, f.Department)
	}
	if len(f.Objects) > 0 {
		q += ` AND object IN (` + strings.TrimSuffix(strings.Repeat("?,", len(f.Objects)), ",") + `)`
		for _, o := range f.Objects {
			args = append(args, o)
		}
	}
	if !f.From.IsZero() {
		q += ` AND at >= ?`
		args = append(args, f.From.UTC())
	}
	if !f.To.IsZero() {
		q += ` AND at < ?`
		args = append(args, f.To.UTC())
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	q += fmt.Sprintf(` ORDER BY at DESC, seq DESC LIMIT %d OFFSET %d`, limit, max(f.Offset, 0))
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: exchange audit: %w", err)
	}
	return collectAudit(rows)
}

// PlatformKey is one of the platform's own SM2 keys as stored.
type PlatformKey struct {
	ID          string
	Sealed      []byte // the private key, sealed with the master keyring
	PublicPEM   string
	Fingerprint string
	CreatedAt   time.Time
}

// InsertPlatformKey stores a platform key. ECONFLICT when the id exists
// (another instance made it first).
//
// NB: k.Sealed must come from Keyring.SealPrivateKey.
func (tx *Tx) InsertPlatformKey(ctx context.Context, k *PlatformKey) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO platform_keys (id, private_key, public_key, fingerprint, created_at) VALUES (?, ?, ?, ?, ?)`,
		k.ID, base64.StdEncoding.EncodeToString(k.Sealed), k.PublicPEM, k.Fingerprint, k.CreatedAt.UTC())
	if IsUniqueViolation(err) {
		return huitong.Errorf(huitong.ECONFLICT, "平台密钥已存在: %s", k.ID)
	} else if err != nil {
		return fmt.Errorf("store: insert platform key: %w", err)
	}
	return nil
}

// FindPlatformKey returns platform key id. ENOTFOUND when none.
func (db *DB) FindPlatformKey(ctx context.Context, id string) (*PlatformKey, error) {
	var k PlatformKey
	var sealed string
	err := db.QueryRowContext(ctx, `SELECT id, private_key, public_key, fingerprint, created_at FROM platform_keys WHERE id = ?`, id).
		Scan(&k.ID, &sealed, &k.PublicPEM, &k.Fingerprint, &k.CreatedAt)
	if err != nil {
		return nil, notFound(err, "平台密钥不存在: %s", id)
	}
	k.Sealed, err = base64.StdEncoding.DecodeString(sealed)
	return &k, err
}

// PlatformPublicKeys returns every platform public key by fingerprint.
func (db *DB) PlatformPublicKeys(ctx context.Context) (map[string]*gm.PublicKey, error) {
	rows, err := db.QueryContext(ctx, `SELECT public_key FROM platform_keys WHERE public_key <> ''`)
	if err != nil {
		return nil, fmt.Errorf("store: platform keys: %w", err)
	}
	defer rows.Close()
	out := map[string]*gm.PublicKey{}
	for rows.Next() {
		var pemText string
		if err := rows.Scan(&pemText); err != nil {
			return nil, err
		}
		pub, err := gm.ParsePublicKeyPEM([]byte(pemText))
		if err != nil {
			return nil, fmt.Errorf("store: platform key: %w", err)
		}
		out[pub.Fingerprint()] = pub
	}
	return out, rows.Err()
}

// InsertCheckpoint stores a signed checkpoint; a second one at the same
// place is ignored.
func (tx *Tx) InsertCheckpoint(ctx context.Context, cp *huitong.Checkpoint) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_checkpoints (chain, seq, hash, at, key_fp, payload, signature) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (chain, seq) DO NOTHING`,
		cp.Chain, cp.Seq, cp.Hash, cp.At.UTC(), cp.Key, cp.Payload, base64.StdEncoding.EncodeToString(cp.Signature))
	if err != nil {
		return fmt.Errorf("store: insert checkpoint: %w", err)
	}
	return nil
}

func scanCheckpoint(s interface{ Scan(...any) error }) (*huitong.Checkpoint, error) {
	var cp huitong.Checkpoint
	var sig string
	if err := s.Scan(&cp.Chain, &cp.Seq, &cp.Hash, &cp.At, &cp.Key, &cp.Payload, &sig); err != nil {
		return nil, err
	}
	cp.At = cp.At.UTC()
	b, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return nil, fmt.Errorf("store: checkpoint %s/%d signature: %w", cp.Chain, cp.Seq, err)
	}
	cp.Signature = b
	return &cp, nil
}

const checkpointColumns = `chain, seq, hash, at, key_fp, payload, signature`

// Checkpoints lists the checkpoints of chain ("" for every chain) in
// sequence order, at most limit (0 = all).
func (db *DB) Checkpoints(ctx context.Context, chain string, limit int) ([]*huitong.Checkpoint, error) {
	q := `SELECT ` + checkpointColumns + ` FROM audit_checkpoints`
	var args []any
	if chain != "" {
		q += ` WHERE chain = ?`
		args = append(args, chain)
	}
	q += ` ORDER BY chain, seq`
	if limit > 0 {
		q = `SELECT * FROM (SELECT ` + checkpointColumns + ` FROM audit_checkpoints`
		if chain != "" {
			q += ` WHERE chain = ?`
		}
		q += fmt.Sprintf(` ORDER BY chain, seq DESC LIMIT %d) c ORDER BY chain, seq`, limit)
	}
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: checkpoints: %w", err)
	}
	defer rows.Close()
	var out []*huitong.Checkpoint
	for rows.Next() {
		cp, err := scanCheckpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, cp)
	}
	return out, rows.Err()
}

// CheckpointAtOrBefore returns the last checkpoint of chain at or before
// seq. ENOTFOUND when none.
func (db *DB) CheckpointAtOrBefore(ctx context.Context, chain string, seq int64) (*huitong.Checkpoint, error) {
	cp, err := scanCheckpoint(db.QueryRowContext(ctx, `SELECT `+checkpointColumns+` FROM audit_checkpoints WHERE chain = ? AND seq <= ? ORDER BY seq DESC LIMIT 1`, chain, seq))
	if err != nil {
		return nil, notFound(err, "链 %s 在 %d 及之前没有签名检查点", chain, seq)
	}
	return cp, nil
}

// AuditReport is the result of VerifyAuditAll.
type AuditReport struct {
	Entries     int64            // entries whose hash and link verified
	Chains      int              // chains walked
	Checkpoints int              // checkpoints whose signature and hash verified
	Latest      map[string]int64 // chain -> sequence of its latest verified checkpoint
	Keys        []string         // fingerprints of the keys that signed them
	BadChain    string           // on failure: the chain
	BadSeq      int64            // on failure: the first entry not to be trusted
}

// VerifyAuditAll checks every chain: each entry's hash (SM3 over the
// previous hash and its canonical form), the links, the sequence numbers,
// the chain head, and every signed checkpoint: its SM2 signature with the
// platform key it names, and that the entry at its sequence has the hash
// it signs. Reading and hashing overlap, and hashing runs on every CPU.
// On failure it returns the report so far with BadChain and BadSeq set and
// an error saying what is wrong; a checkpoint whose hash differs from the
// log means the entries after the previous good checkpoint were rewritten,
// and BadSeq is the first of them.
func (db *DB) VerifyAuditAll(ctx context.Context) (*AuditReport, error) {
	rep := &AuditReport{Latest: map[string]int64{}}
	if err := db.CheckpointWAL(ctx); err != nil {
		return rep, fmt.Errorf("store: verify audit: %w", err)
	}
	chains, err := db.auditChains(ctx)
	if err != nil {
		return rep, err
	}
	keys, err := db.PlatformPublicKeys(ctx)
	if err != nil {
		return rep, err
	}
	cps, err := db.Checkpoints(ctx, "", 0)
	if err != nil {
		return rep, err
	}
	byChain := map[string][]*huitong.Checkpoint{}
	for _, cp := range cps {
		byChain[cp.Chain] = append(byChain[cp.Chain], cp)
		if !containsString(chains, cp.Chain) {
			chains = append(chains, cp.Chain)
		}
	}
	// On SQLite the pages are read on connections of the verification's
	// own through the SQLite library (see libReader): through database/sql
	// and the driver, copying each of the ten columns of every row twice
	// cost more than its SM3. They map the file: a verification reads the
	// log once from end to end, and copying it page by page into page
	// caches (a pread and a freshly allocated cache page each) cost twice
	// what the mapping's page faults do.
	var lp *libPool
	if db.Engine == SQLite {
		lp = newLibPool(db.dsn, verifyPageQuery, 3, auditVerifyMmap)
		defer lp.close()
	}
	usedKeys := map[string]bool{}
	for _, chain := range chains {
		rep.Chains++
		if err := db.verifyChain(ctx, lp, chain, byChain[chain], keys, usedKeys, rep); err != nil {
			rep.BadChain = chain
			return rep, err
		}
	}
	for fp := range usedKeys {
		rep.Keys = append(rep.Keys, fp)
	}
	return rep, nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// verifyPage is one page of entries, read and hashed by a worker.
type verifyPage struct {
	rows []verifyRow
	err  error
}

// verifyRow is what the in-order check needs of an entry once a worker
// has hashed it. The worker checks each entry's link to the entry before
// it in the page (linkBad); prev is kept for the first entry of a page and
// a broken link, hash for the last entry, checkpointed ones and broken
// ones: the in-order loop needs no more, and a long log is verified
// without making two strings of every entry.
type verifyRow struct {
	seq        int64
	prev, hash string
	bad        bool // the hash does not match the contents
	linkBad    bool // prev is not the hash of the entry before it in the page
	first      bool // the first of its page: prev is to be checked in order
}

// verifyRows collects a worker's rows: raw prev and hash of each entry as
// read, the link checked against the entry before.
type verifyRows struct {
	rows     []verifyRow
	keep     map[int64]bool // sequence numbers whose hash the in-order loop needs
	lastHash []byte
}

func (v *verifyRows) add(seq int64, prev, hash []byte, bad bool) {
	r := verifyRow{seq: seq, bad: bad}
	first := len(v.rows) == 0
	if !first && !bytes.Equal(prev, v.lastHash) {
		r.linkBad = true
		r.hash = string(v.lastHash) // what prev should have been
	}
	if first {
		r.first, r.prev = true, string(prev)
	}
	if bad || v.keep[seq] {
		r.hash = string(hash)
	}
	if r.linkBad {
		// The in-order loop reports prev against the hash before it.
		r.prev, r.hash = string(prev), string(v.lastHash)
	}
	v.lastHash = append(v.lastHash[:0], hash...)
	v.rows = append(v.rows, r)
}

// finish keeps the last entry's hash.
func (v *verifyRows) finish() []verifyRow {
	if n := len(v.rows); n > 0 && !v.rows[n-1].linkBad {
		v.rows[n-1].hash = string(v.lastHash)
	}
	return v.rows
}

// auditVerifyMmap is how much of the database file a verification's reader
// maps (SQLite caps it at its compile-time limit, 2 GiB); a longer log is
// read with pread beyond it.
const auditVerifyMmap = 1 << 31

// verifyPageSize is the number of sequence numbers one worker reads and
// hashes at a time.
const verifyPageSize = 4096

func (db *DB) verifyChain(ctx context.Context, lp *libPool, chain string, cps []*huitong.Checkpoint, keys map[string]*gm.PublicKey, usedKeys map[string]bool, rep *AuditReport) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var maxSeq int64
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM audit_log WHERE chain = ?`, chain).Scan(&maxSeq); err != nil {
		return fmt.Errorf("store: verify audit: %w", err)
	}
	// Workers read and hash pages in parallel (SQLite decoding and SM3 are
	// both CPU work); the loop below takes the pages in order and checks
	// sequence numbers, links and checkpoints. A worker takes a slot
	// before it takes a page number, so the lowest page not yet checked
	// always holds a slot and the window never deadlocks.
	keep := make(map[int64]bool, len(cps))
	for _, cp := range cps {
		keep[cp.Seq] = true
	}
	npages := int((maxSeq + verifyPageSize - 1) / verifyPageSize)
	slots := make([]chan verifyPage, npages)
	for i := range slots {
		slots[i] = make(chan verifyPage, 1)
	}
	workers := max(runtime.GOMAXPROCS(0), 1)
	window := make(chan struct{}, workers+2)
	var taken sync.Mutex
	nextPage := 0
	for range workers {
		go func() {
			for {
				select {
				case window <- struct{}{}:
				case <-ctx.Done():
					return
				}
				taken.Lock()
				k := nextPage
				nextPage++
				taken.Unlock()
				if k >= npages {
					<-window
					return
				}
				from := int64(k)*verifyPageSize + 1
				var p verifyPage
				v := &verifyRows{rows: make([]verifyRow, 0, verifyPageSize), keep: keep}
				if db.Engine == SQLite {
					p.err = lp.with(func(r *libReader) error { return hashAuditPage(r, chain, from, from+verifyPageSize-1, v) })
				} else {
					p.err = db.pgRecords.with(ctx, func(c *pgx.Conn) error { return hashAuditPagePG(ctx, c, chain, from, from+verifyPageSize-1, v) })
				}
				p.rows = v.finish()
				slots[k] <- p
			}
		}()
	}
	prev, next := audit.Genesis, int64(1)
	lastGood := int64(0) // sequence of the last verified checkpoint
	ci := 0
	for k := range npages {
		var p verifyPage
		select {
		case p = <-slots[k]:
		case <-ctx.Done():
			return ctx.Err()
		}
		<-window
		if p.err != nil {
			return fmt.Errorf("store: verify audit: %w", p.err)
		}
		for _, e := range p.rows {
			if e.seq != next {
				rep.BadSeq = next
				return fmt.Errorf("audit: chain %s: entry %d is missing", chain, next)
			}
			if e.linkBad {
				prev = e.hash // the hash of the entry before, in the page
			}
			if e.first && e.prev != prev || e.linkBad {
				rep.BadSeq = e.seq
				return fmt.Errorf("audit: chain %s: entry %d: previous hash %s does not match %s", chain, e.seq, short(e.prev), short(prev))
			}
			if e.bad {
				rep.BadSeq = e.seq
				return fmt.Errorf("audit: chain %s: entry %d: hash %s does not match its contents", chain, e.seq, short(e.hash))
			}
			for ci < len(cps) && cps[ci].Seq == e.seq {
				if err := checkCheckpoint(cps[ci], e.hash, keys); err != nil {
					rep.BadSeq = lastGood + 1
					return err
				}
				usedKeys[cps[ci].Key] = true
				rep.Checkpoints++
				lastGood = e.seq
				rep.Latest[chain] = e.seq
				ci++
			}
			if e.hash != "" {
				prev = e.hash
			}
			next++
			rep.Entries++
		}
		if next <= min(int64(k+1)*verifyPageSize, maxSeq) {
			rep.BadSeq = next
			return fmt.Errorf("audit: chain %s: entry %d is missing", chain, next)
		}
	}
	if ci < len(cps) {
		rep.BadSeq = next
		return fmt.Errorf("audit: chain %s: checkpoint at %d signs an entry the log does not have (entries removed from the end?)", chain, cps[ci].Seq)
	}
	headSeq, headHash, err := db.AuditHead(ctx, chain)
	if err != nil {
		return err
	}
	if headSeq != next-1 || headHash != prev {
		rep.BadSeq = next
		return fmt.Errorf("audit: chain %s: head says %d entries ending %s, log has %d ending %s (entries removed from the end?)", chain, headSeq, short(headHash), next-1, short(prev))
	}
	return nil
}

func checkCheckpoint(cp *huitong.Checkpoint, hash string, keys map[string]*gm.PublicKey) error {
	pub := keys[cp.Key]
	if pub == nil {
		return fmt.Errorf("audit: chain %s: checkpoint at %d is signed by key %s, which is not a platform key", cp.Chain, cp.Seq, short(cp.Key))
	}
	if err := audit.VerifyCheckpoint(pub, cp); err != nil {
		return err
	}
	if cp.Hash != hash {
		return fmt.Errorf("audit: chain %s: the checkpoint at %d signs hash %s but the log has %s: entries up to %d were rewritten", cp.Chain, cp.Seq, short(cp.Hash), short(hash), cp.Seq)
	}
	return nil
}

// verifyPageQuery reads a page of a chain for verification on SQLite.
const verifyPageQuery = `SELECT seq, CAST(at AS TEXT), actor, department, action, object, result, detail, prev_hash, hash
	FROM audit_log WHERE chain = ? AND seq >= ? AND seq <= ? ORDER BY seq`

// hashAuditPage reads the entries of chain from from to to on SQLite
// through r and hashes them, from the column bytes as SQLite holds them:
// the stored time text is turned into the canonical layout directly.
func hashAuditPage(r *libReader, chain string, from, to int64, v *verifyRows) error {
	defer r.reset()
	ch := []byte(chain)
	var f [9][]byte // at, actor, department, action, object, result, detail, prev_hash, hash
	atBuf := make([]byte, 0, 32)
	b := newEntryBatch(v)
	ok, err := r.query(chain, from, to)
	for ; ok && err == nil; ok, err = r.next() {
		seq := r.int64At(0)
		for i := range f {
			if f[i], err = r.text(i + 1); err != nil {
				return fmt.Errorf("audit entry %d: %w", seq, err)
			}
		}
		if atBuf, err = canonicalSQLiteTime(atBuf[:0], f[0]); err != nil {
			return err
		}
		b.add(ch, seq, atBuf, f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8])
	}
	b.flush()
	return err
}

// hashAuditPagePG is hashAuditPage on PostgreSQL: the rows are read
// through pgx directly as the bytes on the wire (binary integers and
// times, text as it is), without database/sql making values and strings
// of every column.
func hashAuditPagePG(ctx context.Context, c *pgx.Conn, chain string, from, to int64, v *verifyRows) error {
	rows, err := c.Query(ctx, `SELECT seq, at, actor, department, action, object, result, detail, prev_hash, hash
		FROM audit_log WHERE chain = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq`, chain, from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	fd := rows.FieldDescriptions()
	if len(fd) != 10 || fd[0].Format != pgx.BinaryFormatCode || fd[1].Format != pgx.BinaryFormatCode {
		return errors.New("store: verify audit: unexpected result format")
	}
	h := newPGEntryHasher(chain, v)
	for rows.Next() {
		if err := h.entry(rows.RawValues()); err != nil {
			return err
		}
	}
	h.b.flush()
	return rows.Err()
}

// pgEntryHasher hashes entries from their columns as PostgreSQL sends them
// in binary: seq, at, actor, department, action, object, result, detail,
// prev_hash, hash. Call b.flush after the last.
type pgEntryHasher struct {
	chain []byte
	atBuf []byte
	b     *entryBatch
}

func newPGEntryHasher(chain string, v *verifyRows) *pgEntryHasher {
	return &pgEntryHasher{chain: []byte(chain), atBuf: make([]byte, 0, 32), b: newEntryBatch(v)}
}

// pgEpoch is the origin of PostgreSQL's binary timestamps.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func (h *pgEntryHasher) entry(f [][]byte) error {
	if len(f) != 10 || len(f[0]) != 8 || len(f[1]) != 8 {
		return errors.New("store: verify audit: unexpected sequence or time encoding")
	}
	seq := int64(binary.BigEndian.Uint64(f[0]))
	at := pgEpoch.Add(time.Duration(int64(binary.BigEndian.Uint64(f[1]))) * time.Microsecond)
	h.atBuf = audit.AppendCanonicalTime(h.atBuf[:0], at)
	h.b.add(h.chain, seq, h.atBuf, f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9])
	return nil
}

// entryBatch gathers the hashed forms of a run of entries (the stored
// previous hash, then the canonical entry) and hashes them together with
// gm.SM3Many, which on amd64 hashes eight at once: SM3 was most of a
// verification's CPU time. The entries reach verifyRows in order, at each
// flush.
type entryBatch struct {
	v     *verifyRows
	arena []byte // each entry's hashed form, then its stored hash
	ents  []batchEntry
	msgs  [][]byte
	sums  [][32]byte
}

// batchEntry locates an entry in the arena: its hashed form at
// [start, hash), beginning with the stored previous hash of length prev,
// and the stored hash at [hash, end).
type batchEntry struct {
	seq                    int64
	start, prev, hash, end int
}

// entryBatchSize is the number of entries hashed together: enough to fill
// groups of eight of each padded length, and an arena of some 200 KB.
const entryBatchSize = 256

func newEntryBatch(v *verifyRows) *entryBatch {
	return &entryBatch{v: v, arena: make([]byte, 0, entryBatchSize*800), ents: make([]batchEntry, 0, entryBatchSize),
		msgs: make([][]byte, 0, entryBatchSize), sums: make([][32]byte, entryBatchSize)}
}

// add copies an entry into the batch: its hashed form (the stored previous
// hash, then the canonical form of its columns) and its stored hash. It
// hashes the batch when full.
func (b *entryBatch) add(chain []byte, seq int64, at, actor, department, action, object, result, detail, prev, hash []byte) {
	e := batchEntry{seq: seq, start: len(b.arena), prev: len(prev)}
	b.arena = audit.AppendCanonicalRaw(append(b.arena, prev...), chain, seq, at, actor, department, action, object, result, detail)
	e.hash = len(b.arena)
	b.arena = append(b.arena, hash...)
	e.end = len(b.arena)
	b.ents = append(b.ents, e)
	if len(b.ents) == entryBatchSize {
		b.flush()
	}
}

// flush hashes the entries gathered and hands them to verifyRows.
func (b *entryBatch) flush() {
	if len(b.ents) == 0 {
		return
	}
	b.msgs = b.msgs[:0]
	for _, e := range b.ents {
		b.msgs = append(b.msgs, b.arena[e.start:e.hash])
	}
	gm.SM3Many(b.msgs, b.sums)
	var hexSum [64]byte
	for i, e := range b.ents {
		hex.Encode(hexSum[:], b.sums[i][:])
		stored := b.arena[e.hash:e.end]
		b.v.add(e.seq, b.arena[e.start:e.start+e.prev], stored, !bytes.Equal(hexSum[:], stored))
	}
	b.ents, b.arena = b.ents[:0], b.arena[:0]
}

// canonicalSQLiteTime appends the canonical form (2006-01-02T15:04:05.000000Z)
// of a time as SQLite stores it ("2006-01-02 15:04:05.999999999+00:00"):
// by hand for UTC, through parsing otherwise.
func canonicalSQLiteTime(dst, s []byte) ([]byte, error) {
	if n := len(s); n >= 25 && s[10] == ' ' && string(s[n-6:]) == "+00:00" {
		frac := s[19 : n-6]
		if len(frac) == 0 || (frac[0] == '.' && len(frac) <= 10) {
			dst = append(dst, s[:10]...)
			dst = append(dst, 'T')
			dst = append(dst, s[11:19]...)
			dst = append(dst, '.')
			digits := 0
			if len(frac) > 0 {
				digits = min(len(frac)-1, 6)
				dst = append(dst, frac[1:1+digits]...)
			}
			for ; digits < 6; digits++ {
				dst = append(dst, '0')
			}
			return append(dst, 'Z'), nil
		}
	}
	t, err := parseSQLiteTime(string(s))
	if err != nil {
		return dst, err
	}
	return audit.AppendCanonicalTime(dst, t), nil
}

// parseSQLiteTime parses the text the SQLite driver stores for a time
// ("2006-01-02 15:04:05.999999999-07:00"), by hand for the common UTC
// case and through time.Parse otherwise.
func parseSQLiteTime(s string) (time.Time, error) {
	num := func(s string) (int, bool) {
		n := 0
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	if len(s) >= 25 && s[4] == '-' && s[7] == '-' && s[10] == ' ' && s[13] == ':' && s[16] == ':' && strings.HasSuffix(s, "+00:00") {
		y, ok1 := num(s[0:4])
		mo, ok2 := num(s[5:7])
		d, ok3 := num(s[8:10])
		h, ok4 := num(s[11:13])
		mi, ok5 := num(s[14:16])
		sec, ok6 := num(s[17:19])
		frac := s[19 : len(s)-6]
		ns := 0
		ok7 := true
		if frac != "" {
			if frac[0] != '.' || len(frac) > 10 {
				ok7 = false
			} else {
				var ok bool
				ns, ok = num(frac[1:])
				for range 10 - len(frac) {
					ns *= 10
				}
				ok7 = ok
			}
		}
		if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 {
			return time.Date(y, time.Month(mo), d, h, mi, sec, ns, time.UTC), nil
		}
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999Z07:00", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("store: audit time %q: unknown format", s)
}

// AuditAppender appends batches of audit entries, with the daily usage
// they count, each batch in one transaction of its own, through prepared
// statements: the group-commit path of sharing and exchange, where parsing
// SQL would otherwise cost as much as the writes. It is not safe for
// concurrent use: one goroutine owns it. Close it before the DB.
//
// The appender remembers the head it last wrote of each chain. A batch of
// one chain with no subjects or usage then skips reading the head: it is
// sealed onto the remembered head and written with a guard that the head
// is still that one (on PostgreSQL in one statement, one round trip, where
// the locked path takes four). When another writer moved the head in
// between, the guard writes nothing and the batch takes the locked path,
// which reads the head afresh. So the appender may share a chain with
// other writers; it is fastest as the chain's main writer.
type AuditAppender struct {
	db    *DB
	conn  *sql.Conn // PostgreSQL: a connection of its own, where the statements live
	stmts map[string]*sql.Stmt
	heads map[string]auditHead // the head this appender last wrote, per chain

	// Guarded counts the batches written on a remembered head, Missed
	// those whose guard found the head moved (tests, benchmarks).
	Guarded, Missed int64
}

// auditHead is a chain's last sequence number and hash.
type auditHead struct {
	seq  int64
	hash string
}

// NewAuditAppender returns an appender over the writer connection.
func (db *DB) NewAuditAppender() *AuditAppender {
	return &AuditAppender{db: db, stmts: map[string]*sql.Stmt{}, heads: map[string]auditHead{}}
}

// Close releases the prepared statements (and the connection).
func (a *AuditAppender) Close() error {
	var errs []error
	for _, s := range a.stmts {
		errs = append(errs, s.Close())
	}
	clear(a.stmts)
	if a.conn != nil {
		errs = append(errs, a.conn.Close())
		a.conn = nil
	}
	return errors.Join(errs...)
}

// begin starts a transaction on the appender's connection.
func (a *AuditAppender) begin(ctx context.Context) (*sql.Tx, error) {
	if a.conn != nil {
		return a.conn.BeginTx(ctx, nil)
	}
	return a.db.w.BeginTx(ctx, nil)
}

const (
	appendHead   = `UPDATE audit_heads SET seq = seq + ? WHERE chain = ? RETURNING seq, hash`
	appendSet    = `UPDATE audit_heads SET hash = ? WHERE chain = ?`
	appendUsage  = `INSERT INTO grant_usage (grant_id, day, n) VALUES (?, ?, ?) ON CONFLICT (grant_id, day) DO UPDATE SET n = grant_usage.n + excluded.n`
	appendLog    = `INSERT INTO audit_log (chain, seq, at, actor, department, action, object, result, detail, prev_hash, hash) VALUES `
	appendSubj   = `INSERT INTO audit_subjects (subject, chain, seq) VALUES `
	appendSubjOn = ` ON CONFLICT DO NOTHING`
	appendGuard  = `UPDATE audit_heads SET seq = ?, hash = ? WHERE chain = ? AND seq = ? AND hash = ?`
)

var chunkSizes = []int{32, 8, 1}

// prepare prepares every statement shape, outside any transaction: on
// SQLite the writer has one connection, which a transaction holds.
func (a *AuditAppender) prepare(ctx context.Context) error {
	if len(a.stmts) > 0 {
		return nil
	}
	qs := []string{appendHead, appendSet, appendUsage, appendGuard}
	for _, n := range chunkSizes {
		qs = append(qs, rowsSQL(appendLog, n, 11, ""), rowsSQL(appendSubj, n, 3, appendSubjOn))
	}
	// On PostgreSQL the appender keeps one pooled connection, so its
	// statements stay prepared and it never waits for a connection behind
	// the readers. On SQLite that would take the only writer connection
	// from everyone else, so it uses the pool like other writers.
	if a.db.Engine == Postgres && a.conn == nil {
		c, err := a.db.w.Conn(ctx)
		if err != nil {
			return fmt.Errorf("store: audit appender connection: %w", err)
		}
		a.conn = c
	}
	prepare := a.db.w.PrepareContext
	if a.conn != nil {
		prepare = a.conn.PrepareContext
	}
	for _, q := range qs {
		s, err := prepare(ctx, a.db.Rebind(q))
		if err != nil {
			a.Close()
			return fmt.Errorf("store: prepare audit append: %w", err)
		}
		a.stmts[q] = s
	}
	return nil
}

// stmt returns the prepared statement q bound to tx.
func (a *AuditAppender) stmt(ctx context.Context, tx *sql.Tx, q string) (*sql.Stmt, error) {
	s, ok := a.stmts[q]
	if !ok {
		return nil, fmt.Errorf("store: statement not prepared: %s", q)
	}
	return tx.StmtContext(ctx, s), nil
}

// rowsSQL returns an INSERT of n rows of width placeholders.
func rowsSQL(prefix string, n, width int, suffix string) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	return prefix + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ") + suffix
}

// insertChunks runs the n-row statements over args (width per row),
// largest chunks first, so only three statement shapes are ever prepared.
func (a *AuditAppender) insertChunks(ctx context.Context, tx *sql.Tx, prefix, suffix string, width int, args []any) error {
	for _, size := range chunkSizes {
		for len(args) >= size*width {
			s, err := a.stmt(ctx, tx, rowsSQL(prefix, size, width, suffix))
			if err != nil {
				return err
			}
			if _, err := s.ExecContext(ctx, args[:size*width]...); err != nil {
				return err
			}
			args = args[size*width:]
		}
	}
	return nil
}

// Usage is a count of subjects used under a grant on a day, added by
// AuditAppender.Append in the same transaction as the entries.
type Usage struct {
	Grant int64
	Day   string
	N     int
}

// Append writes entries (sealing them onto their chains, as
// AppendAuditBatch does), their subject index rows (subjects[i] for
// entries[i], "" for none) and usage counts in one transaction, and
// returns once it is committed.
func (a *AuditAppender) Append(ctx context.Context, entries []*huitong.AuditEntry, subjects []string, usage []Usage) error {
	if len(entries) == 0 && len(usage) == 0 {
		return nil
	}
	if err := a.prepare(ctx); err != nil {
		return err
	}
	if chain, ok := a.oneChain(entries); ok && len(usage) == 0 && !hasSubject(subjects) {
		if h, ok := a.heads[chain]; ok {
			done, err := a.appendGuarded(ctx, chain, h, entries)
			if err != nil || !done {
				delete(a.heads, chain)
			}
			if err != nil {
				return err
			}
			if done {
				a.Guarded++
				return nil
			}
			a.Missed++
		}
	}
	tx, err := a.begin(ctx)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback()
	now := a.db.Now()
	var order []string
	byChain := map[string][]*huitong.AuditEntry{}
	for _, e := range entries {
		withAuditDefaults(e, now)
		if _, ok := byChain[e.Chain]; !ok {
			order = append(order, e.Chain)
		}
		byChain[e.Chain] = append(byChain[e.Chain], e)
	}
	for _, chain := range order {
		es := byChain[chain]
		n := int64(len(es))
		head, err := a.stmt(ctx, tx, appendHead)
		if err != nil {
			return fmt.Errorf("store: audit head: %w", err)
		}
		var last int64
		var prev string
		err = head.QueryRowContext(ctx, n, chain).Scan(&last, &prev)
		if errors.Is(err, sql.ErrNoRows) {
			last, prev = n, audit.Genesis
			if _, err := tx.ExecContext(ctx, a.db.Rebind(`INSERT INTO audit_heads (chain, seq, hash) VALUES (?, ?, ?)`), chain, n, prev); err != nil {
				return fmt.Errorf("store: audit head: %w", err)
			}
		} else if err != nil {
			return fmt.Errorf("store: audit head: %w", err)
		}
		seq := last - n + 1
		args := make([]any, 0, 11*len(es))
		for _, e := range es {
			e.Seq = seq
			audit.Seal(prev, e)
			prev = e.Hash
			seq++
			args = append(args, e.Chain, e.Seq, e.At, e.Actor, e.Department, e.Action, e.Object, e.Result, e.Detail, e.PrevHash, e.Hash)
		}
		if a.db.Engine == Postgres && len(es) <= 1000 {
			// One round trip for the rows and the new head: on PostgreSQL
			// each statement waits for the network, and parsing is cheap.
			q := `WITH ins AS (` + rowsSQL(appendLog, len(es), 11, " RETURNING 1") + `) UPDATE audit_heads SET hash = ? WHERE chain = ?`
			if _, err := tx.ExecContext(ctx, a.db.Rebind(q), append(args, prev, chain)...); err != nil {
				return fmt.Errorf("store: append audit: %w", err)
			}
			continue
		}
		if err := a.insertChunks(ctx, tx, appendLog, "", 11, args); err != nil {
			return fmt.Errorf("store: append audit: %w", err)
		}
		set, err := a.stmt(ctx, tx, appendSet)
		if err != nil {
			return fmt.Errorf("store: audit head: %w", err)
		}
		if _, err := set.ExecContext(ctx, prev, chain); err != nil {
			return fmt.Errorf("store: audit head: %w", err)
		}
	}
	heads := make(map[string]auditHead, len(order))
	for _, chain := range order {
		es := byChain[chain]
		heads[chain] = auditHead{seq: es[len(es)-1].Seq, hash: es[len(es)-1].Hash}
	}
	var sargs []any
	for i, s := range subjects {
		if s != "" && i < len(entries) {
			sargs = append(sargs, s, entries[i].Chain, entries[i].Seq)
		}
	}
	if err := a.insertChunks(ctx, tx, appendSubj, appendSubjOn, 3, sargs); err != nil {
		return fmt.Errorf("store: audit subjects: %w", err)
	}
	for _, u := range usage {
		s, err := a.stmt(ctx, tx, appendUsage)
		if err != nil {
			return fmt.Errorf("store: grant usage: %w", err)
		}
		if _, err := s.ExecContext(ctx, u.Grant, u.Day, u.N); err != nil {
			return fmt.Errorf("store: grant usage: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	for chain, h := range heads {
		a.heads[chain] = h
	}
	return nil
}

// oneChain returns the chain of entries when they are all of one (after
// the defaults Append gives).
func (a *AuditAppender) oneChain(entries []*huitong.AuditEntry) (string, bool) {
	if len(entries) == 0 {
		return "", false
	}
	chain := cmp.Or(entries[0].Chain, DefaultChain)
	for _, e := range entries[1:] {
		if cmp.Or(e.Chain, DefaultChain) != chain {
			return "", false
		}
	}
	return chain, true
}

func hasSubject(subjects []string) bool {
	for _, s := range subjects {
		if s != "" {
			return true
		}
	}
	return false
}

// appendGuarded seals entries (all of chain) onto h and writes them, with
// the head moved from h to their last entry, provided the head is still h.
// false (and nothing written) when it is not.
func (a *AuditAppender) appendGuarded(ctx context.Context, chain string, h auditHead, entries []*huitong.AuditEntry) (bool, error) {
	w := a.seal(chain, h, entries)
	ok, err := a.write(ctx, w)
	if ok {
		a.heads[chain] = w.to
	}
	return ok, err
}

// GuardedWrite is a batch of entries sealed onto the head their appender
// expects, to be written on the condition that the head is still that one
// (SealAhead, WriteGuarded).
type GuardedWrite struct {
	chain    string
	from, to auditHead
	entries  []*huitong.AuditEntry
	args     []any
}

// Entries returns the entries the write holds, sealed.
func (w *GuardedWrite) Entries() []*huitong.AuditEntry { return w.entries }

// SealAhead seals entries, all of one chain, onto the head the appender
// last wrote or sealed ahead, and takes their last entry as that head: the
// next batch can be sealed and written while this one is being written
// (on PostgreSQL, over another connection; its guard waits for this one's
// row lock). nil when the appender knows no head of the chain, or the
// entries are of several chains: Append them. A write that fails, or finds
// the head moved, leaves the chain to be appended anew: call Forget, then
// Append what did not go in (later writes sealed ahead find the head moved
// too, and write nothing).
func (a *AuditAppender) SealAhead(entries []*huitong.AuditEntry) *GuardedWrite {
	chain, ok := a.oneChain(entries)
	if !ok {
		return nil
	}
	h, ok := a.heads[chain]
	if !ok {
		return nil
	}
	w := a.seal(chain, h, entries)
	a.heads[chain] = w.to
	return w
}

// Forget drops the head the appender knows of chain: the next Append
// reads it.
func (a *AuditAppender) Forget(chain string) { delete(a.heads, chain) }

// WriteGuarded writes w if the head of its chain is still the one it was
// sealed onto; false, and nothing written, when it is not. Safe to call
// from several goroutines for writes sealed in turn, on PostgreSQL; on
// SQLite writes go one after another through the one writer connection.
func (a *AuditAppender) WriteGuarded(ctx context.Context, w *GuardedWrite) (bool, error) {
	return a.write(ctx, w)
}

// seal seals entries (all of chain) onto h.
func (a *AuditAppender) seal(chain string, h auditHead, entries []*huitong.AuditEntry) *GuardedWrite {
	now := a.db.Now()
	prev, seq := h.hash, h.seq
	args := make([]any, 0, 11*len(entries))
	for _, e := range entries {
		e.Chain = chain
		withAuditDefaults(e, now)
		seq++
		e.Seq = seq
		audit.Seal(prev, e)
		prev = e.Hash
		args = append(args, e.Chain, e.Seq, e.At, e.Actor, e.Department, e.Action, e.Object, e.Result, e.Detail, e.PrevHash, e.Hash)
	}
	return &GuardedWrite{chain: chain, from: h, to: auditHead{seq: seq, hash: prev}, entries: entries, args: args}
}

// write writes w provided the head is still w.from.
func (a *AuditAppender) write(ctx context.Context, w *GuardedWrite) (bool, error) {
	if a.db.Engine == Postgres && len(w.entries) <= 1000 {
		// One statement in its own transaction: the head moves and the
		// rows go in only if the head is still w.from. Through the pool,
		// so that writes sealed in turn can be under way at once.
		q := `WITH h AS (UPDATE audit_heads SET seq = ?, hash = ? WHERE chain = ? AND seq = ? AND hash = ? RETURNING 1) ` +
			`INSERT INTO audit_log (chain, seq, at, actor, department, action, object, result, detail, prev_hash, hash) ` +
			`SELECT * FROM (VALUES ` + guardedRowsSQL(len(w.entries)) + `) v WHERE EXISTS (SELECT 1 FROM h)`
		res, err := a.db.w.ExecContext(ctx, a.db.Rebind(q), append([]any{w.to.seq, w.to.hash, w.chain, w.from.seq, w.from.hash}, w.args...)...)
		if err != nil {
			return false, fmt.Errorf("store: append audit: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return false, fmt.Errorf("store: append audit: %w", err)
		}
		return n > 0, nil
	}
	if err := a.prepare(ctx); err != nil {
		return false, err
	}
	tx, err := a.begin(ctx)
	if err != nil {
		return false, fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback()
	guard, err := a.stmt(ctx, tx, appendGuard)
	if err != nil {
		return false, err
	}
	res, err := guard.ExecContext(ctx, w.to.seq, w.to.hash, w.chain, w.from.seq, w.from.hash)
	if err != nil {
		return false, fmt.Errorf("store: audit head: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return false, fmt.Errorf("store: audit head: %w", err)
	} else if n == 0 {
		return false, nil
	}
	if err := a.insertChunks(ctx, tx, appendLog, "", 11, w.args); err != nil {
		return false, fmt.Errorf("store: append audit: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("store: commit: %w", err)
	}
	return true, nil
}

// guardedRowsSQL is the VALUES list of n audit rows for PostgreSQL, the
// first row typed (a VALUES list in a SELECT takes its column types from
// it).
func guardedRowsSQL(n int) string {
	const first = "(?::text, ?::bigint, ?::timestamptz, ?::text, ?::text, ?::text, ?::text, ?::text, ?::text, ?::text, ?::text)"
	var b strings.Builder
	b.Grow(len(first) + (n-1)*37)
	b.WriteString(first)
	for range n - 1 {
		b.WriteString(", (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	}
	return b.String()
}

// KeepIdleReaders keeps every SQLite reader connection open between
// queries. Open caps the reader pool at 8 connections but leaves
// database/sql's default of 2 idle ones, so under concurrent reads the
// other six are closed after each query and reopened (with their pragmas)
// for the next: that costs more than the query. Exchange calls it; the
// proper place is Open (SetMaxIdleConns next to SetMaxOpenConns), after
// which this can go. No effect on PostgreSQL, whose pool keeps 16 idle.
func (db *DB) KeepIdleReaders() {
	if db.Engine == SQLite {
		db.r.SetMaxIdleConns(8)
	}
}

// SubjectRow is one row of the subject index: the keyed hash of a subject
// key and the entry it points at.
type SubjectRow struct {
	Subject string
	Chain   string
	Seq     int64
}

// SubjectOf returns the keyed subject hash an entry's detail carries
// ("subject":"..."), "" when none.
func SubjectOf(detail string) string {
	const tag = `"subject":"`
	i := strings.Index(detail, tag)
	if i < 0 {
		return ""
	}
	rest := detail[i+len(tag):]
	if j := strings.IndexByte(rest, '"'); j >= 0 {
		return rest[:j]
	}
	return ""
}

// IndexSubjects writes subject index rows, moves the index cursors of
// chains to the sequence numbers given, and adds usage counts, in one
// transaction.
func (db *DB) IndexSubjects(ctx context.Context, rows []SubjectRow, cursors map[string]int64, usage []Usage) error {
	return db.Update(ctx, func(tx *Tx) error {
		for start := 0; start < len(rows); start += 200 {
			part := rows[start:min(start+200, len(rows))]
			args := make([]any, 0, 3*len(part))
			for _, r := range part {
				args = append(args, r.Subject, r.Chain, r.Seq)
			}
			if _, err := tx.ExecContext(ctx, rowsSQL(appendSubj, len(part), 3, appendSubjOn), args...); err != nil {
				return fmt.Errorf("store: audit subjects: %w", err)
			}
		}
		for chain, seq := range cursors {
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_subject_cursor (chain, seq) VALUES (?, ?)
				ON CONFLICT (chain) DO UPDATE SET seq = CASE WHEN audit_subject_cursor.seq < excluded.seq THEN excluded.seq ELSE audit_subject_cursor.seq END`, chain, seq); err != nil {
				return fmt.Errorf("store: audit subject cursor: %w", err)
			}
		}
		for _, u := range usage {
			if err := tx.AddGrantUsage(ctx, u.Grant, u.Day, u.N); err != nil {
				return err
			}
		}
		return nil
	})
}

// SubjectCursor returns the last sequence number of chain whose entries
// the deferred subject index holds (0 when none).
func (db *DB) SubjectCursor(ctx context.Context, chain string) (int64, error) {
	var seq int64
	err := db.QueryRowContext(ctx, `SELECT seq FROM audit_subject_cursor WHERE chain = ?`, chain).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return seq, err
}

// UnindexedSubjects reads the entries of chain after seq (at most limit)
// and returns the subject rows their details call for and the last
// sequence number read (after, when there was nothing).
func (db *DB) UnindexedSubjects(ctx context.Context, chain string, after int64, limit int) ([]SubjectRow, int64, error) {
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT seq, detail FROM audit_log WHERE chain = ? AND seq > ? ORDER BY seq LIMIT %d`, limit), chain, after)
	if err != nil {
		return nil, after, fmt.Errorf("store: unindexed subjects: %w", err)
	}
	defer rows.Close()
	var out []SubjectRow
	last := after
	for rows.Next() {
		var seq int64
		var detail string
		if err := rows.Scan(&seq, &detail); err != nil {
			return nil, after, err
		}
		if s := SubjectOf(detail); s != "" {
			out = append(out, SubjectRow{Subject: s, Chain: chain, Seq: seq})
		}
		last = seq
	}
	return out, last, rows.Err()
}

// CheckpointWAL moves the SQLite write-ahead log into the database file
// (PRAGMA wal_checkpoint(PASSIVE)), so that a long read such as verifying
// the audit trail finds pages in the file rather than searching the log
// for each. No effect on PostgreSQL.
func (db *DB) CheckpointWAL(ctx context.Context) error {
	if db.Engine != SQLite {
		return nil
	}
	_, err := db.w.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
	return err
}
