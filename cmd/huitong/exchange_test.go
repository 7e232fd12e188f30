package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"huitong/exchange"
	"huitong/exchange/exchangetest"
	"huitong/gm"
	"huitong/store"
)

// TestExchangeSurvivesSIGKILL runs the real binary, queries it from a few
// clients, kills it with SIGKILL in the middle of the load, restarts it,
// and checks that every query the clients saw answered 200 has its audit
// entry (the one named by X-Audit-Seq, carrying the request id) and that
// the chain verifies: an answer is never given before its entry is
// durable.
func TestExchangeSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	ctx := context.Background()
	dir := t.TempDir()
	bin := filepath.Join(dir, "huitong")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	master := make([]byte, gm.MasterKeySize)
	rand.Read(master)
	masterHex := hex.EncodeToString(master)

	// The province, prepared in the data directory before the server runs.
	keys, err := gm.ParseKeyring(masterHex)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, filepath.Join(data, "huitong.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	env, err := exchangetest.Setup(ctx, db, exchangetest.Options{RealClock: true, People: 200, Keyring: keys})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Grant(ctx, "rs", "ga", env.People, exchange.RequestInput{Items: []string{"XM", "XBDM"}}); err != nil {
		t.Fatal(err)
	}
	apiKey, _, err := env.APIKey("rs")
	if err != nil {
		t.Fatal(err)
	}
	keysToAsk, resource := env.PeopleKeys, env.People
	env.Exchange.Close()
	db.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var logs bytes.Buffer
	var logMu sync.Mutex
	start := func() *exec.Cmd {
		t.Helper()
		cmd := exec.Command(bin, "serve", "--data", data, "--addr", addr, "--log-level", "warn")
		cmd.Env = append(os.Environ(), "HUITONG_MASTER_KEY="+masterHex)
		cmd.Stdout, cmd.Stderr = io.Discard, writerFunc(func(b []byte) (int, error) { logMu.Lock(); defer logMu.Unlock(); return logs.Write(b) })
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return cmd
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		cmd.Process.Kill()
		logMu.Lock()
		defer logMu.Unlock()
		t.Fatalf("server did not become healthy:\n%s", logs.String())
		return nil
	}

	type seen struct{ requestID, audit string }
	var mu sync.Mutex
	var answered []seen
	var failures atomic.Int64
	base := "http://" + addr + "/api/v1/resources/" + url.PathEscape(resource) + "/records/"
	query := func(client *http.Client, id, key string) (int, string, error) {
		req, _ := http.NewRequest("GET", base+key+"?purpose="+url.QueryEscape("养老保险待遇资格认证"), nil)
		req.Header.Set("Authorization", "Bearer "+apiKey)
		req.Header.Set("X-Request-Id", id)
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		var body struct {
			Data map[string]string `json:"data"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			return resp.StatusCode, "", err // cut off mid-answer: not seen as answered
		}
		if resp.StatusCode == 200 && body.Data["XM"] == "" {
			return resp.StatusCode, "", fmt.Errorf("200 without data")
		}
		return resp.StatusCode, resp.Header.Get("X-Audit-Seq"), nil
	}

	server := start()
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 5 * time.Second}
			for i := 0; !stop.Load(); i++ {
				id := fmt.Sprintf("sigkill-%d-%06d", w, i)
				status, ref, err := query(client, id, keysToAsk[(w*31+i)%len(keysToAsk)])
				switch {
				case err == nil && status == 200:
					mu.Lock()
					answered = append(answered, seen{id, ref})
					mu.Unlock()
				case err == nil:
					failures.Add(1)
				}
			}
		}()
	}
	// Let the load run, then kill the server in the middle of it.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(answered)
		mu.Unlock()
		if n >= 300 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := server.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	server.Wait()
	stop.Store(true)
	wg.Wait()
	mu.Lock()
	got := append([]seen(nil), answered...)
	mu.Unlock()
	if len(got) < 50 || failures.Load() > 0 {
		t.Fatalf("load before the kill: %d answered, %d non-200 answers", len(got), failures.Load())
	}

	// The restarted server answers, and then stops cleanly.
	server = start()
	if status, _, err := query(http.DefaultClient, "after-restart-0001", keysToAsk[0]); err != nil || status != 200 {
		t.Fatalf("after restart: %d %v", status, err)
	}
	server.Process.Signal(syscall.SIGTERM)
	if err := server.Wait(); err != nil {
		t.Errorf("graceful stop: %v", err)
	}

	db, err = store.Open(ctx, filepath.Join(data, "huitong.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range got {
		var chain string
		var seq int64
		if _, err := fmt.Sscanf(strings.Replace(s.audit, "/", " ", 1), "%s %d", &chain, &seq); err != nil {
			t.Fatalf("%s: X-Audit-Seq %q: %v", s.requestID, s.audit, err)
		}
		e, err := db.FindAuditEntry(ctx, chain, seq)
		if err != nil {
			t.Fatalf("%s answered 200 but its audit entry %s is missing: %v", s.requestID, s.audit, err)
		}
		var d map[string]any
		json.Unmarshal([]byte(e.Detail), &d)
		if d["requestId"] != s.requestID || e.Action != exchange.ActQuery || e.Result != "ok" {
			t.Fatalf("entry %s: got %s %s %v, want the query %s", s.audit, e.Action, e.Result, d["requestId"], s.requestID)
		}
		// The subject index is written behind the entries; the restarted
		// server caught up with what the killed one had not written.
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_subjects WHERE subject = ? AND chain = ? AND seq = ?`, d["subject"], chain, seq).Scan(&n); err != nil || n != 1 {
			t.Fatalf("entry %s is not in the subject index after the restart: %d %v", s.audit, n, err)
		}
	}
	out, err := exec.Command(bin, "audit", "verify", "--data", data).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "audit chain OK: ") {
		t.Fatalf("audit verify after the crash: %v\n%s", err, out)
	}
	t.Logf("%d answers before SIGKILL, all audited; %s", len(got), strings.SplitN(string(out), "\n", 2)[0])
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }
