package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"flag"

	"huitong"
	"huitong/app"
	"huitong/gbcode"
	"huitong/store"
)

// benchCatalog measures catalog search through the full-text index against
// a brute-force LIKE scan over the same rows, in one run, then the start-up
// time and memory of serve with that catalog.
func benchCatalog(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench catalog", flag.ContinueOnError)
	fs.SetOutput(stderr)
	entries := fs.Int("entries", 50000, "catalog entries to generate")
	dur := fs.Duration("duration", 3*time.Second, "how long each side is measured")
	dsn := fs.String("db", "", "PostgreSQL DSN to benchmark on (default: a SQLite file in a temp directory); the schema must be empty")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "concurrent searchers")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "huitong-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg := app.DefaultConfig()
	cfg.DataDir, cfg.DB, cfg.LogLevel = dir, *dsn, "error"

	m := app.NewMain()
	m.Config, m.LogOut = cfg, io.Discard
	if err := m.Open(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "huitong bench catalog: %d entries on %s, %d workers, %s per side, GOMAXPROCS=%d\n", *entries, m.DB.Engine, *workers, *dur, runtime.GOMAXPROCS(0))
	t := time.Now()
	if err := generateCatalog(ctx, m.DB, *entries); err != nil {
		m.Close()
		return err
	}
	fmt.Fprintf(stdout, "generated %d entries in %s\n", *entries, time.Since(t).Round(time.Millisecond))
	t = time.Now()
	if err := m.Catalog.Rebuild(ctx); err != nil {
		m.Close()
		return err
	}
	fmt.Fprintf(stdout, "index built in %s\n", time.Since(t).Round(time.Millisecond))

	queries := []string{"户籍", "参保", "营业", "婚姻", "社保", "医疗", "企业", "许可", "处罚", "信用", "教育", "不动", "公积", "登记", "人口", "税务", "车辆"}
	pctx := huitong.WithPrincipal(ctx, &huitong.Principal{UserID: 1, Username: "bench", Department: "x", Roles: []huitong.Role{huitong.RoleStaff}})
	// Both sides must agree on what matches, or the comparison means nothing.
	for _, q := range queries[:4] {
		res, err := m.Catalog.Search(pctx, huitong.ResourceFilter{Query: q, Limit: 20})
		if err != nil {
			m.Close()
			return err
		}
		_, total, err := m.DB.LikeSearch(ctx, q, 20)
		if err != nil {
			m.Close()
			return err
		}
		fmt.Fprintf(stdout, "  %s: index %d hits, LIKE %d hits\n", q, res.Total, total)
		if res.Total != total {
			m.Close()
			return fmt.Errorf("index and LIKE disagree on %q: %d vs %d", q, res.Total, total)
		}
	}
	idx := measure(*dur, *workers, queries, func(q string) error {
		_, err := m.Catalog.Search(pctx, huitong.ResourceFilter{Query: q, Limit: 20})
		return err
	})
	like := measure(*dur, *workers, queries, func(q string) error {
		_, _, err := m.DB.LikeSearch(ctx, q, 20)
		return err
	})
	fmt.Fprintf(stdout, "\n%-28s %10s %10s %10s %8s\n", "two-character query", "queries/s", "p50", "p99", "errors")
	for _, r := range []struct {
		name string
		res  result
	}{{"full-text index (Search)", idx}, {"LIKE scan (baseline)", like}} {
		fmt.Fprintf(stdout, "%-28s %10.0f %10s %10s %8d\n", r.name, r.res.qps, r.res.p50, r.res.p99, r.res.errors)
	}
	fmt.Fprintf(stdout, "ratio index/LIKE: %.1fx\n", idx.qps/like.qps)
	if err := m.Close(); err != nil {
		return err
	}
	if *dsn != "" {
		return nil // start-up is measured on the embedded default only
	}

	// Start-up and memory of serve on the same data directory, as a fresh
	// child process of this binary, so nothing of this process is counted.
	started, rssKB, hwmKB, err := measureServe(ctx, dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nserve start-up with %d entries (child process): %s to /healthz 200; RSS %.0f MiB, peak RSS %.0f MiB\n",
		*entries, started.Round(time.Millisecond), float64(rssKB)/1024, float64(hwmKB)/1024)
	return nil
}

// measureServe starts `huitong serve --data dir` as a child process and
// reports the time until /healthz answers 200 and the process's resident
// memory then (VmRSS and VmHWM from /proc).
func measureServe(ctx context.Context, dir string) (time.Duration, int, int, error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, 0, 0, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, 0, 0, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.CommandContext(ctx, exe, "serve", "--data", dir, "--addr", addr, "--log-level", "error")
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, 0, err
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	for time.Since(start) < 2*time.Minute {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				elapsed := time.Since(start)
				rss, hwm := procMem(cmd.Process.Pid)
				return elapsed, rss, hwm, nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return 0, 0, 0, fmt.Errorf("serve did not become healthy within 2 minutes")
}

// procMem reads VmRSS and VmHWM (kB) of a process.
func procMem(pid int) (rss, hwm int) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		var v int
		if n, _ := fmt.Sscanf(line, "VmRSS: %d kB", &v); n == 1 {
			rss = v
		}
		if n, _ := fmt.Sscanf(line, "VmHWM: %d kB", &v); n == 1 {
			hwm = v
		}
	}
	return rss, hwm
}

type result struct {
	qps      float64
	p50, p99 time.Duration
	errors   int64
	cpu      time.Duration // the process's CPU time (user + system) per request, client included
}

// processCPU returns the CPU time this process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs fn over queries from several goroutines for d and reports
// throughput and latency percentiles.
func measure(d time.Duration, workers int, queries []string, fn func(q string) error) result {
	var mu sync.Mutex
	var lat []time.Duration
	var errs atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			for i := w; time.Now().Before(deadline); i++ {
				t := time.Now()
				if err := fn(queries[i%len(queries)]); err != nil {
					errs.Add(1)
				}
				local = append(local, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	r := result{qps: float64(len(lat)) / elapsed.Seconds(), errors: errs.Load()}
	if len(lat) > 0 {
		r.p50 = lat[len(lat)/2].Round(time.Microsecond)
		r.p99 = lat[len(lat)*99/100].Round(time.Microsecond)
	}
	return r
}

// Vocabulary for synthetic catalog entries that read like a province's.
var (
	benchSubjects = []string{"户籍人口", "居民身份证", "社会保险参保", "企业登记注册", "营业执照", "行政处罚", "婚姻登记", "不动产登记", "纳税信用等级",
		"医疗机构执业许可", "学籍", "住房公积金缴存", "最低生活保障", "残疾人", "建筑企业资质", "道路运输经营许可", "机动车登记", "驾驶证", "出生医学证明",
		"死亡医学证明", "食品经营许可", "药品经营许可", "特种设备", "环境影响评价", "排污许可", "农村土地承包", "林权登记", "取水许可", "法律援助",
		"律师执业", "退役军人", "失业登记", "就业创业", "职业资格证书", "教师资格", "养老服务机构", "社会组织登记", "殡葬服务", "救助对象", "失信被执行人"}
	benchSuffixes = []string{"信息", "基本信息", "明细", "数据", "统计信息", "变更信息", "核验接口", "目录"}
	benchItems    = []string{"姓名", "公民身份号码", "性别", "民族", "出生日期", "户籍地址", "联系电话", "统一社会信用代码", "企业名称", "法定代表人",
		"注册资本", "成立日期", "登记机关", "经营范围", "证照编号", "发证日期", "有效期至", "处罚决定书文号", "处罚事由", "参保险种", "缴费基数", "单位名称"}
	benchCities = []string{"", "兰州市", "嘉峪关市", "金昌市", "白银市", "天水市", "武威市", "张掖市", "平凉市", "酒泉市", "庆阳市", "定西市", "陇南市"}
)

// generateCatalog writes n published entries straight into the store in
// batches (the benchmark measures search, not registration).
func generateCatalog(ctx context.Context, db *store.DB, n int) error {
	rng := rand.New(rand.NewPCG(2026, 11))
	var depts []string
	err := db.Update(ctx, func(tx *store.Tx) error {
		for i := range 40 {
			code := gbcode.MakeUSCC('1', '1', "620000", fmt.Sprintf("%08d", 1360000+i))
			depts = append(depts, code)
			if err := tx.InsertDepartment(ctx, &huitong.Department{Code: code, Name: fmt.Sprintf("甘肃省测试部门%02d", i), Jurisdiction: "620000", Level: huitong.LevelProvince}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	shares := []huitong.ShareType{huitong.ShareUnconditional, huitong.ShareConditional, huitong.ShareNone}
	cycles := huitong.Values("updateCycle")
	now := time.Now().UTC()
	const batch = 1000
	for start := 0; start < n; start += batch {
		err := db.Update(ctx, func(tx *store.Tx) error {
			for i := start; i < min(start+batch, n); i++ {
				subj := benchSubjects[rng.IntN(len(benchSubjects))]
				name := benchCities[rng.IntN(len(benchCities))] + subj + benchSuffixes[rng.IntN(len(benchSuffixes))]
				items := make([]huitong.Item, 0, 8)
				for _, j := range rng.Perm(len(benchItems))[:5+rng.IntN(6)] {
					items = append(items, huitong.Item{Name: benchItems[j], Type: huitong.TypeString})
				}
				r := &huitong.Resource{
					Code: fmt.Sprintf("3%02d%03d/%06d", i%40, i%7, i+1), Version: 1, Status: huitong.StatusPublished, Name: name,
					Abstract:       "本资源记录" + subj + "相关数据，由提供部门按" + "规定周期更新，供各部门依法共享使用。",
					Classification: huitong.Classification{Class: "3", Item: fmt.Sprintf("%02d", i%40), Category: fmt.Sprintf("%03d", i%7)},
					Provider:       depts[i%len(depts)], Format: huitong.FormatDatabase, ShareType: shares[rng.IntN(3)], OpenType: huitong.OpenClosed,
					UpdateCycle: huitong.UpdateCycle(cycles[rng.IntN(len(cycles))]), Items: items, Mount: huitong.Mount{Kind: huitong.MountTable},
					Jurisdiction: "620000", Level: huitong.LevelProvince, CreatedBy: "bench", CreatedAt: now, UpdatedAt: now, PublishedAt: now,
				}
				if err := tx.InsertResource(ctx, r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
