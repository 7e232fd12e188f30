package store_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"huitong"
	"huitong/store"
	"huitong/store/storetest"
)

// testCerts returns n certificates of one type and issuer with distinct
// serials, payloads and signatures.
func testCerts(n int) []*huitong.Certificate {
	now := time.Now().UTC().Truncate(time.Second)
	out := make([]*huitong.Certificate, n)
	for i := range out {
		serial := fmt.Sprintf("2026%08d", i)
		out[i] = &huitong.Certificate{ID: "1.2.156.3005.2.11100000000000013001.11620000MB0000001X." + serial + ".001.K",
			TypeCode: "11100000000000013001", Issuer: deptCode, Serial: serial, Version: 1, HolderID: fmt.Sprintf("9162010%011d", i),
			HolderName: fmt.Sprintf("兰州第%d商贸有限公司", i), SealID: deptCode + "0001", Status: huitong.CertValid, IssuedAt: now,
			Source: "batch:test", CreatedBy: "user:test", Payload: []byte(fmt.Sprintf(`{"n":%d,"text":"证照 \"%d\""}`, i, i)),
			Signature: []byte{0x30, byte(i), byte(i >> 8), 0xFF}}
	}
	return out
}

func storeCerts(t *testing.T, db *store.DB, certs []*huitong.Certificate) {
	t.Helper()
	if err := db.StoreCertificates(ctx, certs, func(tx *store.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
}

// TestCertLookupSigned holds the verification read to the stored rows: the
// payload and signature as stored, the status as of the read (a revocation
// shows at once), ENOTFOUND for an unknown identifier, correct results
// from more goroutines than the lookup has readers, and an error, not a
// hang, after Close.
func TestCertLookupSigned(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		certs := testCerts(50)
		storeCerts(t, db, certs)
		l, err := db.PrepareCertLookup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		for _, c := range certs[:3] {
			got, err := l.Signed(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != c.ID || got.Payload != string(c.Payload) || !bytes.Equal(got.Signature, c.Signature) || got.Status != huitong.CertValid || got.SupersededBy != "" {
				t.Fatalf("got %+v, want the stored %s", got, c.ID)
			}
		}
		if _, err := l.Signed(ctx, certs[0].ID+"X"); huitong.ErrorCode(err) != huitong.ENOTFOUND {
			t.Fatalf("unknown id: got %v, want ENOTFOUND", err)
		}

		revoked := *certs[1]
		revoked.Status, revoked.RevokedAt, revoked.RevokeReason = huitong.CertRevoked, time.Now().UTC(), "test"
		superseded := *certs[2]
		superseded.Status, superseded.SupersededBy = huitong.CertSuperseded, certs[3].ID
		if err := db.Update(ctx, func(tx *store.Tx) error {
			if err := tx.SetCertificateStatus(ctx, &revoked); err != nil {
				return err
			}
			return tx.SetCertificateStatus(ctx, &superseded)
		}); err != nil {
			t.Fatal(err)
		}
		if got, err := l.Signed(ctx, revoked.ID); err != nil || got.Status != huitong.CertRevoked {
			t.Fatalf("after revocation: got %q (%v), want revoked", got.Status, err)
		}
		if got, err := l.Signed(ctx, superseded.ID); err != nil || got.Status != huitong.CertSuperseded || got.SupersededBy != certs[3].ID {
			t.Fatalf("after supersession: got %q by %q (%v), want superseded by %s", got.Status, got.SupersededBy, err, certs[3].ID)
		}

		var wg sync.WaitGroup
		errs := make(chan error, 32)
		for g := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 100 {
					c := certs[(g*7+i)%len(certs)]
					got, err := l.Signed(ctx, c.ID)
					if err != nil || got.Payload != string(c.Payload) || !bytes.Equal(got.Signature, c.Signature) {
						errs <- fmt.Errorf("goroutine %d, %s: got %q %x (%v)", g, c.ID, got.Payload, got.Signature, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}

		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { _, err := l.Signed(ctx, certs[0].ID); done <- err }()
		select {
		case err := <-done:
			if err == nil {
				t.Fatal("Signed after Close: got no error")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Signed after Close: still waiting after 10 s")
		}
	})
}

// TestStoreCertificatesConflict stores a chunk larger than one INSERT
// statement whose row in the middle of the second statement repeats a
// stored identifier: ECONFLICT, and none of the chunk's rows stored (the
// chunk is one transaction), on both engines (COPY on PostgreSQL).
func TestStoreCertificatesConflict(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		certs := testCerts(451)
		storeCerts(t, db, certs[450:])
		chunk := append(append([]*huitong.Certificate{}, certs[:300]...), certs[450])
		chunk = append(chunk, certs[300:450]...)
		audited := false
		err := db.StoreCertificates(ctx, chunk, func(tx *store.Tx) error { audited = true; return nil })
		if huitong.ErrorCode(err) != huitong.ECONFLICT {
			t.Fatalf("got %v, want ECONFLICT", err)
		}
		if audited {
			t.Error("the chunk's audit step ran after a conflict")
		}
		_, total, err := db.Certificates(ctx, huitong.CertFilter{Issuer: deptCode})
		if err != nil || total != 1 {
			t.Fatalf("stored after the conflict: got %d (%v), want only the first 1", total, err)
		}
		storeCerts(t, db, certs[:450])
		if _, total, _ := db.Certificates(ctx, huitong.CertFilter{Issuer: deptCode}); total != 451 {
			t.Fatalf("after storing the rest: got %d, want 451", total)
		}
	})
}
