package ingest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"huitong"
	"huitong/gbcode"
	"huitong/store"
)

// crashRows is the size of the file the crash test delivers.
const crashRows = 300000

// crashFile writes crashRows people of 北京市朝阳区 (110105, a county the
// demo never uses), so the test can count exactly the records it made.
func crashFile(w io.Writer) {
	bw := bufio.NewWriter(w)
	bw.WriteString("公民身份号码,姓名,性别,出生日期\n")
	for i := range crashRows {
		day := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%20000)
		first := fmt.Sprintf("110105%s%03d", day.Format("20060102"), i/20000)
		id := first + string(gbcode.CitizenIDCheck(first))
		fmt.Fprintf(bw, "%s,崩溃测试%d,%s,%s\n", id, i, sexOf(id), day.Format(time.DateOnly))
	}
	bw.Flush()
}

// server is a huitong serve child process.
type server struct {
	cmd *exec.Cmd
	url string
	log bytes.Buffer
}

func startServer(t *testing.T, bin, dir, addr string) *server {
	t.Helper()
	s := &server{url: "http://" + addr}
	s.cmd = exec.Command(bin, "serve", "--demo", "--data", dir, "--addr", addr, "--log-level", "warn")
	s.cmd.Env = append(os.Environ(), "HUITONG_DEMO_PEOPLE=300", "HUITONG_DEMO_RESOURCES=60", "HUITONG_INGEST_LEASE=2s",
		"HUITONG_PULL_TICK=1s", "HUITONG_INGEST_CHUNK=2000", "HUITONG_DB=")
	s.cmd.Stdout, s.cmd.Stderr = &s.log, &s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(s.url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.cmd.Process.Kill()
	t.Fatalf("server did not start: %s", s.log.String())
	return nil
}

func (s *server) call(t *testing.T, method, path, token string, body io.Reader, v any) int {
	t.Helper()
	req, _ := http.NewRequest(method, s.url+path, body)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "text/csv")
		if strings.HasPrefix(path, "/api/v1/auth/") {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	if v != nil {
		json.NewDecoder(resp.Body).Decode(v)
	}
	return resp.StatusCode
}

// TestCrashRecovery kills the server with SIGKILL in the middle of a
// delivery. After a restart the batch is marked failed (its lease
// expired), every row it had acknowledged (its accepted count as last
// persisted) is stored exactly once and no other row of it is, and
// delivering the file again completes it without duplicates.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "huitong")
	if out, err := exec.Command("go", "build", "-o", bin, "huitong/cmd/huitong").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	data := filepath.Join(dir, "data")
	srv := startServer(t, bin, data, addr)
	defer func() { srv.cmd.Process.Kill(); srv.cmd.Wait() }()

	var login struct{ Token string }
	if srv.call(t, "POST", "/api/v1/auth/token", "", strings.NewReader(`{"username":"gat","password":"demo"}`), &login); login.Token == "" {
		t.Fatalf("login failed: %s", srv.log.String())
	}
	const code = "101001/000001" // 户籍人口基本信息 of 甘肃省公安厅 in the demo
	var res huitong.Resource
	if srv.call(t, "GET", "/api/v1/resources/"+code, login.Token, nil, &res); res.Mount.Kind != huitong.MountTable {
		t.Fatalf("demo resource %s: got %+v, want table-mounted", code, res)
	}
	var file bytes.Buffer
	crashFile(&file)

	// Deliver, and kill the server once a good part is acknowledged.
	posted := make(chan string, 1)
	go func() {
		var out map[string]any
		status := srv.call(t, "POST", "/api/v1/resources/"+code+"/batches?filename=crash.csv", login.Token, bytes.NewReader(file.Bytes()), &out)
		posted <- fmt.Sprint(status, out)
	}()
	var running huitong.Batch
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var list struct{ Items []huitong.Batch }
		srv.call(t, "GET", "/api/v1/resources/"+code+"/batches?status=running", login.Token, nil, &list)
		if len(list.Items) == 1 && list.Items[0].Accepted >= 20000 {
			running = list.Items[0]
			break
		}
	}
	if running.ID == 0 {
		select {
		case r := <-posted:
			t.Fatalf("the delivery ended early: %s\n%s", r, srv.log.String())
		default:
		}
		t.Fatalf("the delivery never got going: %s", srv.log.String())
	}
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.cmd.Wait()

	srv = startServer(t, bin, data, addr)
	srv.call(t, "POST", "/api/v1/auth/token", "", strings.NewReader(`{"username":"gat","password":"demo"}`), &login)
	var failed huitong.Batch
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		srv.call(t, "GET", fmt.Sprintf("/api/v1/batches/%d", running.ID), login.Token, nil, &failed)
		if failed.Status == huitong.BatchFailed {
			break
		}
	}
	if failed.Status != huitong.BatchFailed || failed.Error == "" || failed.Accepted < running.Accepted || failed.Accepted >= crashRows {
		t.Fatalf("after restart: got %+v, want failed with between %d and %d rows acknowledged", failed, running.Accepted, crashRows)
	}
	if n := countPrefix(t, data, code, "110105"); n != failed.Accepted {
		t.Fatalf("stored %d rows of the killed batch, acknowledged %d: want equal", n, failed.Accepted)
	}
	t.Logf("killed at %d rows acknowledged (seen running), %d acknowledged as last persisted, all stored once", running.Accepted, failed.Accepted)

	// Delivering the file again completes it: no duplicates.
	var again huitong.Batch
	if status := srv.call(t, "POST", "/api/v1/resources/"+code+"/batches?filename=crash.csv", login.Token, bytes.NewReader(file.Bytes()), &again); status != 201 {
		t.Fatalf("re-delivery: status %d %+v", status, again)
	}
	if again.Status != huitong.BatchDone || again.Accepted != crashRows || again.Unchanged != failed.Accepted || again.Inserted != crashRows-failed.Accepted {
		t.Fatalf("re-delivery: got %+v; want all %d accepted, %d unchanged, the rest inserted", again, crashRows, failed.Accepted)
	}
	if n := countPrefix(t, data, code, "110105"); n != crashRows {
		t.Fatalf("records after the re-delivery: got %d, want %d", n, crashRows)
	}
}

// countPrefix counts, in the server's SQLite file, the records of code
// whose key starts with prefix (read while the server runs: WAL readers
// do not disturb it).
func countPrefix(t *testing.T, data, code, prefix string) int {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(data, "huitong.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	err = db.ScanKeys(context.Background(), code, func(k string) error {
		if strings.HasPrefix(k, prefix) {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
