package main

import (
	"cmp"
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"huitong"
	"huitong/app"
	"huitong/cert"
	"huitong/gbcode"
	"huitong/gm"
	"huitong/store"
)

// benchCert measures, in one run, raw SM2 signing and verification (the
// gm package alone, with the same calls the platform makes) against the
// platform: batch issuing of --count certificates (validation, canonical
// JSON, signing, storage and audit) and verification by identifier
// (storage read, canonical check, seal lookup, signature), at --workers
// goroutines on both sides and, for verification, at four times that.
// Each rate comes with the process's CPU time per operation.
func benchCert(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench cert", flag.ContinueOnError)
	fs.SetOutput(stderr)
	count := fs.Int("count", 100000, "certificates to issue in one batch")
	dur := fs.Duration("duration", 3*time.Second, "how long each rate is measured")
	dsn := fs.String("db", "", "PostgreSQL DSN to benchmark on (default: a SQLite file in a temp directory); the schema must be empty")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "signing and verifying goroutines, on both sides")
	profile := fs.String("cpuprofile", "", "write CPU profiles of the batch and of the verification rounds to PREFIX.issue and PREFIX.verify")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "huitong-bench-cert-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg := app.DefaultConfig()
	cfg.DataDir, cfg.DB, cfg.LogLevel = dir, *dsn, "error"
	gcPercent, _ := app.TuneGC() // as serve does: both sides run under it
	m := app.NewMain()
	m.Config, m.LogOut = cfg, io.Discard
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Close()
	svc := cert.New(m.DB, m.Keyring, cert.Config{Workers: *workers}, nil, nil)
	defer svc.Close()
	fmt.Fprintf(stdout, "huitong bench cert: %d certificates on %s, %d workers, GOMAXPROCS=%d, GOGC=%s, %s per rate\n", *count, m.DB.Engine, *workers, runtime.GOMAXPROCS(0), cmp.Or(os.Getenv("GOGC"), strconv.Itoa(gcPercent)), *dur)

	staff, typ, err := benchCertSetup(ctx, m.DB, svc)
	if err != nil {
		return err
	}
	// A representative payload: the first certificate, issued normally.
	first, err := svc.Issue(staff, benchReq(typ.Code, 0))
	if err != nil {
		return err
	}
	key, _ := gm.GenerateKey()
	sig, _ := key.Sign(first.Payload)
	pub := key.Public()
	fmt.Fprintf(stdout, "payload %d bytes (canonical JSON), signature %d bytes (DER)\n", len(first.Payload), len(sig))
	fmt.Fprintf(stdout, "raw sign:   gm.PrivateKey.Sign of the payload: SM3(Z_A || payload) with Z_A (default id %s) cached per key, hedged nonce, k*G, DER\n", gm.DefaultSignerID)
	fmt.Fprintf(stdout, "raw verify: gm.PublicKey.Verify of the payload and signature: DER parse, SM3(Z_A || payload) with Z_A cached per key, s*G + t*P\n")
	fmt.Fprintf(stdout, "the platform signs and verifies with these same calls; \"CPU\" is this process's CPU time per operation")
	if m.DB.Engine == store.Postgres {
		fmt.Fprintf(stdout, " (not the PostgreSQL server's)")
	}
	fmt.Fprintf(stdout, "\n\n")

	signRaw := func() error { _, err := key.Sign(first.Payload); return err }
	rawSign1 := rate(*dur/2, 1, signRaw)
	rawBefore := rate(*dur/2, *workers, signRaw)

	rows := make([]cert.BatchRow, *count)
	for i := range rows {
		rows[i] = cert.BatchRow{Row: i + 2, Req: *benchReq(typ.Code, i+1)}
	}
	runtime.GC()
	stopProfile, err := startProfile(*profile, "issue")
	if err != nil {
		return err
	}
	cpu0, t := processCPU(), time.Now()
	rep, err := svc.IssueBatch(staff, typ.Code, rows, cert.BatchOptions{})
	stopProfile()
	if err != nil {
		return err
	}
	if rep.Issued != *count {
		return fmt.Errorf("batch issued %d of %d: %v", rep.Issued, *count, rep.Errors[:min(3, len(rep.Errors))])
	}
	elapsed := time.Since(t)
	batch := measured{perSec: float64(*count) / elapsed.Seconds(), cpu: (processCPU() - cpu0) / time.Duration(*count)}
	rows = nil
	runtime.GC()
	// Raw signing is measured before and after the batch and averaged, so
	// a machine whose load changes during the run skews both sides alike.
	rawAfter := rate(*dur/2, *workers, signRaw)
	rawSign := measured{perSec: (rawBefore.perSec + rawAfter.perSec) / 2, cpu: (rawBefore.cpu + rawAfter.cpu) / 2}
	fmt.Fprintf(stdout, "%-44s %12s %10s\n", "signing", "per second", "CPU")
	fmt.Fprintf(stdout, "%-44s %12.0f %10s\n", "raw SM2 sign, 1 goroutine", rawSign1.perSec, us(rawSign1.cpu))
	fmt.Fprintf(stdout, "%-44s %12.0f %10s  (before %.0f, after %.0f)\n", fmt.Sprintf("raw SM2 sign, %d goroutines", *workers), rawSign.perSec, us(rawSign.cpu), rawBefore.perSec, rawAfter.perSec)
	fmt.Fprintf(stdout, "%-44s %12.0f %10s  (%d in %s)\n", "platform batch issue (IssueBatch)", batch.perSec, us(batch.cpu), *count, elapsed.Round(time.Millisecond))
	fmt.Fprintf(stdout, "ratio batch issue / raw sign, %d vs %d goroutines: %.2f (target >= 0.70)\n", *workers, *workers, batch.perSec/rawSign.perSec)
	fmt.Fprintf(stdout, "ratio batch issue / raw sign, 1 goroutine:        %.2f\n", batch.perSec/rawSign1.perSec)
	fmt.Fprintf(stdout, "ratio of CPU per operation, raw / platform:       %.2f\n", rawSign.cpu.Seconds()/batch.cpu.Seconds())
	// The ceiling: what a platform doing nothing but sign and store the
	// bare row in this database reaches on this machine in this run.
	floor, err := signStoreFloor(ctx, m.DB, *count, *workers, first.Payload, key)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%-44s %12.0f %10s  (id, payload, signature only)\n", "floor: raw sign + bare insert", floor.perSec, us(floor.cpu))
	fmt.Fprintf(stdout, "ratio floor / raw sign, %d vs %d goroutines:       %.2f (the ceiling for any design storing each certificate here)\n\n", *workers, *workers, floor.perSec/rawSign.perSec)

	ids := rep.IDs
	var bad atomic.Int64
	verifyRaw := func() error {
		if !pub.Verify(first.Payload, sig) {
			return fmt.Errorf("raw verify failed")
		}
		return nil
	}
	verifyPlatform := func() error {
		v, err := svc.Verify(ctx, ids[rand.IntN(len(ids))])
		if err != nil {
			return err
		}
		if !v.Valid {
			bad.Add(1)
		}
		return nil
	}
	// Interleaved in ten rounds, so both sides see the same machine.
	var rawVerify, platform measured
	if stopProfile, err = startProfile(*profile, "verify"); err != nil {
		return err
	}
	for range 10 {
		r, p := rate(*dur/10, *workers, verifyRaw), rate(*dur/10, *workers, verifyPlatform)
		rawVerify.perSec, rawVerify.cpu = rawVerify.perSec+r.perSec/10, rawVerify.cpu+r.cpu/10
		platform.perSec, platform.cpu = platform.perSec+p.perSec/10, platform.cpu+p.cpu/10
	}
	stopProfile()
	// The same at four times the concurrency on both sides: throughput
	// once waits (a PostgreSQL round trip) are hidden by other requests.
	var rawSat, platformSat measured
	for range 10 {
		r, p := rate(*dur/20, 4**workers, verifyRaw), rate(*dur/20, 4**workers, verifyPlatform)
		rawSat.perSec, rawSat.cpu = rawSat.perSec+r.perSec/10, rawSat.cpu+r.cpu/10
		platformSat.perSec, platformSat.cpu = platformSat.perSec+p.perSec/10, platformSat.cpu+p.cpu/10
	}
	rawVerify1 := rate(*dur/2, 1, verifyRaw)
	fmt.Fprintf(stdout, "%-44s %12s %10s\n", "verification", "per second", "CPU")
	fmt.Fprintf(stdout, "%-44s %12.0f %10s\n", "raw SM2 verify, 1 goroutine", rawVerify1.perSec, us(rawVerify1.cpu))
	fmt.Fprintf(stdout, "%-44s %12.0f %10s\n", fmt.Sprintf("raw SM2 verify, %d goroutines", *workers), rawVerify.perSec, us(rawVerify.cpu))
	fmt.Fprintf(stdout, "%-44s %12.0f %10s  (%d reported invalid)\n", fmt.Sprintf("platform Verify(id), %d goroutines", *workers), platform.perSec, us(platform.cpu), bad.Load())
	fmt.Fprintf(stdout, "%-44s %12.0f %10s\n", fmt.Sprintf("raw SM2 verify, %d goroutines", 4**workers), rawSat.perSec, us(rawSat.cpu))
	fmt.Fprintf(stdout, "%-44s %12.0f %10s\n", fmt.Sprintf("platform Verify(id), %d goroutines", 4**workers), platformSat.perSec, us(platformSat.cpu))
	fmt.Fprintf(stdout, "ratio verify / raw verify, %d vs %d goroutines: %.2f (target >= 0.80)\n", *workers, *workers, platform.perSec/rawVerify.perSec)
	fmt.Fprintf(stdout, "ratio verify / raw verify, %d vs %d goroutines: %.2f\n", 4**workers, 4**workers, platformSat.perSec/rawSat.perSec)
	fmt.Fprintf(stdout, "ratio verify / raw verify, 1 goroutine:        %.2f\n", platform.perSec/rawVerify1.perSec)
	fmt.Fprintf(stdout, "ratio of CPU per operation, raw / platform:    %.2f\n", rawVerify.cpu.Seconds()/platform.cpu.Seconds())
	if bad.Load() > 0 {
		return fmt.Errorf("%d verifications reported invalid", bad.Load())
	}
	return nil
}

// signStoreFloor signs payload count times on workers goroutines and
// stores each signature with its payload under a fresh, ascending
// identifier in a scratch table of three columns, in transactions and statements of the
// platform's sizes (1,000 rows, 200 a statement): no validation, no
// canonical JSON, no serial, no audit. It is the least work a certificate
// stored in this database can cost, so its rate bounds the batch issue's.
func signStoreFloor(ctx context.Context, db *store.DB, count, workers int, payload []byte, key *gm.PrivateKey) (measured, error) {
	return signStoreFloorWith(ctx, db, count, workers, payload, key, nil)
}

// signStoreFloorWith is signStoreFloor with a probe run on the scratch
// table before it is dropped (tests).
func signStoreFloorWith(ctx context.Context, db *store.DB, count, workers int, payload []byte, key *gm.PrivateKey, probe func(*store.Tx) error) (measured, error) {
	if _, err := db.ExecContext(ctx, `CREATE TABLE bench_cert_floor (id TEXT PRIMARY KEY, payload TEXT NOT NULL, signature TEXT NOT NULL)`); err != nil {
		return measured{}, fmt.Errorf("floor table: %w", err)
	}
	defer db.ExecContext(context.WithoutCancel(ctx), `DROP TABLE bench_cert_floor`)
	const txRows, stmtRows = 1000, 200
	insert := "INSERT INTO bench_cert_floor (id, payload, signature) VALUES (?, ?, ?)" + strings.Repeat(", (?, ?, ?)", stmtRows-1)
	type signed struct {
		i   int
		sig []byte
	}
	next, out := atomic.Int64{}, make(chan signed, 4*txRows)
	var signErr atomic.Value
	var wg sync.WaitGroup
	runtime.GC()
	cpu0, t := processCPU(), time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < count; i = int(next.Add(1)) - 1 {
				sig, err := key.Sign(payload)
				if err != nil {
					signErr.CompareAndSwap(nil, err)
					return
				}
				out <- signed{i, sig}
			}
		}()
	}
	go func() { wg.Wait(); close(out) }()
	text := string(payload)
	args := make([]any, 0, 3*stmtRows)
	stored := 0
	for stored < count {
		n := min(txRows, count-stored)
		err := db.Update(ctx, func(tx *store.Tx) error {
			for done := 0; done < n; done += stmtRows {
				args = args[:0]
				for range min(stmtRows, n-done) {
					s, ok := <-out
					if !ok {
						return fmt.Errorf("signing stopped: %v", signErr.Load())
					}
					args = append(args, fmt.Sprintf("1.2.156.3005.2.floor.%09d", s.i), text, base64.StdEncoding.EncodeToString(s.sig))
				}
				q := insert
				if len(args) < 3*stmtRows {
					q = insert[:strings.Index(insert, "VALUES")+len("VALUES (?, ?, ?)")] + strings.Repeat(", (?, ?, ?)", len(args)/3-1)
				}
				if _, err := tx.ExecContext(ctx, q, args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			go func() {
				for range out { // let the signers finish
				}
			}()
			return measured{}, fmt.Errorf("floor insert: %w", err)
		}
		stored += n
	}
	elapsed := time.Since(t)
	m := measured{perSec: float64(count) / elapsed.Seconds(), cpu: (processCPU() - cpu0) / time.Duration(count)}
	if probe != nil {
		if err := db.View(ctx, probe); err != nil {
			return m, err
		}
	}
	return m, nil
}

// benchCertSetup makes a department with a seal and a certificate type,
// through the service, and returns a staff principal.
func benchCertSetup(ctx context.Context, db *store.DB, svc *cert.Service) (context.Context, *huitong.CertType, error) {
	dept := &huitong.Department{Code: gbcode.MakeUSCC('1', '1', "620000", "01390001"), Name: "甘肃省市场监督管理局", Jurisdiction: "620000",
		Level: huitong.LevelProvince, CreatedAt: time.Now().UTC()}
	if err := db.Update(ctx, func(tx *store.Tx) error { return tx.InsertDepartment(ctx, dept) }); err != nil {
		return nil, nil, err
	}
	sys := huitong.WithPrincipal(ctx, huitong.System)
	typ := &huitong.CertType{Definer: gbcode.MakeUSCC('1', '1', "100000", "00000013"), DefinerName: "国家市场监督管理总局", Name: "营业执照",
		HolderKind: huitong.HolderEntity, Validity: huitong.CertValidity{Permanent: true}, Issuers: []string{dept.Code},
		Items: []huitong.CertItem{
			{Code: "fddbr", Name: "法定代表人", Type: huitong.TypeString, Required: true},
			{Code: "zczb", Name: "注册资本(万元)", Type: huitong.TypeMoney},
			{Code: "clrq", Name: "成立日期", Type: huitong.TypeDate, Required: true},
			{Code: "zs", Name: "住所", Type: huitong.TypeString},
			{Code: "jyfw", Name: "经营范围", Type: huitong.TypeMemo},
		}}
	if err := svc.CreateType(sys, typ); err != nil {
		return nil, nil, err
	}
	if _, err := svc.CreateSeal(sys, cert.SealRequest{Department: dept.Code}); err != nil {
		return nil, nil, err
	}
	staff := huitong.WithPrincipal(ctx, &huitong.Principal{UserID: 1, Username: "bench", Department: dept.Code, Roles: []huitong.Role{huitong.RoleStaff}})
	return staff, typ, nil
}

func benchReq(typeCode string, i int) *huitong.IssueRequest {
	body := fmt.Sprintf("MA%06d", i%1000000)
	return &huitong.IssueRequest{TypeCode: typeCode, HolderName: fmt.Sprintf("兰州汇通第%d商贸有限公司", i),
		HolderID: gbcode.MakeUSCC('9', '1', "620100", body),
		Data: map[string]string{"fddbr": "张伟", "zczb": "500.00", "clrq": "2019-06-18", "zs": "甘肃省兰州市城关区东岗西路 1 号",
			"jyfw": "日用百货、五金交电、电子产品销售；货物进出口；技术进出口"}}
}

// startProfile starts a CPU profile written to prefix.phase, and returns
// the function that stops it; with no prefix it does nothing.
func startProfile(prefix, phase string) (stop func(), err error) {
	if prefix == "" {
		return func() {}, nil
	}
	f, err := os.Create(prefix + "." + phase)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// measured is one side's throughput and the process's CPU time per
// operation while it ran.
type measured struct {
	perSec float64
	cpu    time.Duration
}

// us formats a CPU time per operation in microseconds.
func us(d time.Duration) string { return fmt.Sprintf("%.1f µs", float64(d.Nanoseconds())/1e3) }

// rate runs fn from workers goroutines for d and returns calls per second
// and the process's CPU time per call.
func rate(d time.Duration, workers int, fn func() error) measured {
	var n atomic.Int64
	deadline := time.Now().Add(d)
	cpu0, start := processCPU(), time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if fn() == nil {
					n.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	cpu, wall := processCPU()-cpu0, time.Since(start)
	if n.Load() == 0 {
		return measured{}
	}
	return measured{perSec: float64(n.Load()) / wall.Seconds(), cpu: cpu / time.Duration(n.Load())}
}
