package exchange_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"huitong"
	"huitong/exchange"
	"huitong/exchange/exchangetest"
	"huitong/gbcode"
	"huitong/natsbus"
	"huitong/store"
	"huitong/store/storetest"
)

// hook is a consumer's webhook receiver on loopback.
type hook struct {
	srv      *httptest.Server
	mu       sync.Mutex
	got      []huitong.FeedChange
	sigOK    []bool
	failNext int // answer 500 to this many deliveries first
	secret   []byte
}

func newHook(t *testing.T) *hook {
	h := &hook{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.failNext > 0 {
			h.failNext--
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		var c huitong.FeedChange
		json.Unmarshal(body, &c)
		h.got = append(h.got, c)
		h.sigOK = append(h.sigOK, r.Header.Get("X-Huitong-Signature") == exchange.WebhookSignature(h.secret, body))
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) changes() ([]huitong.FeedChange, []bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.got), slices.Clone(h.sigOK)
}

func openBus(t *testing.T) *natsbus.Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bus, err := natsbus.Open(ctx, natsbus.Config{StoreDir: t.TempDir(), Name: t.Name()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bus.Close() })
	return bus
}

// consume reads the grant's feed through a durable JetStream consumer for
// d and returns what arrived.
func consume(t *testing.T, bus *natsbus.Bus, sub *huitong.Subscription, d time.Duration, want int) []huitong.FeedChange {
	t.Helper()
	var mu sync.Mutex
	var got []huitong.FeedChange
	stop, err := bus.Consume(context.Background(), "EXCHANGE", sub.Durable, sub.Subject, func(m jetstream.Msg) {
		var c huitong.FeedChange
		json.Unmarshal(m.Data(), &c)
		mu.Lock()
		got = append(got, c)
		mu.Unlock()
		m.Ack()
	})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= want {
			time.Sleep(100 * time.Millisecond) // anything extra would arrive now
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	mu.Lock()
	defer mu.Unlock()
	return slices.Clone(got)
}

// keysOf returns the keys of changes, sorted: the feed keeps the change
// sequence, which is the ingest pipeline's write order, not the file's.
func keysOf(cs []huitong.FeedChange) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Key)
	}
	slices.Sort(out)
	return out
}

func sorted(keys ...string) []string {
	out := slices.Clone(keys)
	slices.Sort(out)
	return out
}

func TestSubscriptionFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, exchangetest.Options{Config: exchange.Config{FeedInterval: time.Hour, CheckpointEvery: time.Hour, WebhookAllowPrivate: true}})
		x := e.Exchange
		ctx := context.Background()
		bus := openBus(t)
		x.Start(ctx, bus)
		g, err := e.Grant(ctx, "county", "ga", e.People, exchange.RequestInput{Items: []string{"XM", "LXDH", "XBDM"}, Uses: []string{"query", "subscribe"}})
		if err != nil {
			t.Fatal(err)
		}
		h := newHook(t)
		h.failNext = 1 // the first delivery fails and is retried
		sub, secret, err := x.Subscribe(e.As("county"), g.ID, h.srv.URL+"/hook", "")
		if err != nil {
			t.Fatal(err)
		}
		h.mu.Lock()
		h.secret = []byte(secret)
		h.mu.Unlock()
		if sub.Subject != bus.Subject("exchange", "grant", fmt.Sprint(g.ID)) || secret == "" {
			t.Fatalf("subscription: got %+v", sub)
		}

		// Changes after the subscription: one person of 城关区 moves phone,
		// one new person in 城关区, one new person in 甘州区 (out of scope).
		changed, added, far := e.PeopleKeys[1], exchangetest.CitizenID("620102", "20000101", 701), exchangetest.CitizenID("620702", "20000101", 703)
		e.Clock.Add(time.Minute)
		csv := "公民身份号码,姓名,性别,出生日期,户籍地址,联系电话\n" +
			changed + "," + exchangetest.Name(1) + ",2,1961-02-02,甘肃省兰州市城关区民主西路2号,13909310001\n" +
			added + ",赵新,1,2000-01-01,甘肃省兰州市城关区,13709310002\n" +
			far + ",钱远,1,2000-01-01,甘肃省张掖市甘州区,13709310003\n"
		if _, err := e.Deliver(ctx, "ga", e.People, csv); err != nil {
			t.Fatal(err)
		}
		n, err := x.PumpFeeds(ctx)
		if err != nil || n != 2 {
			t.Fatalf("pump: got %d published, %v; want 2", n, err)
		}
		if n, _ := x.PumpFeeds(ctx); n != 0 {
			t.Fatalf("second pump: got %d, want 0", n)
		}
		deliveries := countEntries(t, db, exchange.ActDeliver)
		if deliveries != 2 {
			t.Fatalf("deliver audit entries: got %d, want 2", deliveries)
		}
		entry, d := lastEntry(t, db, exchange.ActDeliver)
		if entry.Department != e.County || d["grant"] != float64(g.ID) || d["subject"] == nil {
			t.Errorf("deliver audit: got %+v %v", entry, d)
		}

		t.Run("NATS", func(t *testing.T) {
			got := consume(t, bus, sub, 5*time.Second, 2)
			if !slices.Equal(keysOf(got), sorted(changed, added)) {
				t.Fatalf("got %v, want %v", keysOf(got), sorted(changed, added))
			}
			c := got[slices.IndexFunc(got, func(c huitong.FeedChange) bool { return c.Key == changed })]
			if c.Data["LXDH"] != gbcode.MaskMobile("13909310001") || c.Data["HJDZ"] != "" || c.Data["XM"] != gbcode.MaskName(exchangetest.Name(1)) {
				t.Fatalf("data: got %v (granted items only, masked)", c.Data)
			}
		})
		t.Run("OfflineCatchUp", func(t *testing.T) {
			// The consumer is offline; two batches arrive a day apart.
			for i, day := range []int{1, 2} {
				e.Clock.Add(24 * time.Hour)
				id := exchangetest.CitizenID("620102", "19990909", 720+i)
				if _, err := e.Deliver(ctx, "ga", e.People, "公民身份号码,姓名,性别\n"+id+",孙"+fmt.Sprint(day)+",1\n"); err != nil {
					t.Fatal(err)
				}
				if _, err := x.PumpFeeds(ctx); err != nil {
					t.Fatal(err)
				}
			}
			got := consume(t, bus, sub, 5*time.Second, 2)
			if len(got) != 2 {
				t.Fatalf("after a day offline: got %v, want the two missed changes", keysOf(got))
			}
		})
		t.Run("CrashBetweenAuditAndPublish", func(t *testing.T) {
			// As if the process died after committing the deliveries'
			// audit entries but before JetStream acknowledged them.
			f, err := db.FindFeed(ctx, g.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, `UPDATE grant_feeds SET published_seq = ? WHERE grant_id = ?`, f.StartSeq, g.ID); err != nil {
				t.Fatal(err)
			}
			before := countEntries(t, db, exchange.ActDeliver)
			if _, err := x.PumpFeeds(ctx); err != nil {
				t.Fatal(err)
			}
			if got := countEntries(t, db, exchange.ActDeliver); got != before {
				t.Errorf("republishing audited again: got %d entries, want %d", got, before)
			}
			if f2, _ := db.FindFeed(ctx, g.ID); f2.PublishedSeq != f.AuditedSeq {
				t.Errorf("published cursor: got %d, want %d", f2.PublishedSeq, f.AuditedSeq)
			}
			// JetStream dropped the repeats by message id.
			if got := consume(t, bus, sub, time.Second, 1); len(got) != 0 {
				t.Errorf("duplicates delivered: %v", keysOf(got))
			}
		})
		t.Run("Webhook", func(t *testing.T) {
			deadline := time.Now().Add(15 * time.Second)
			for time.Now().Before(deadline) {
				if got, _ := h.changes(); len(got) >= 4 {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			got, sigs := h.changes()
			if len(got) != 4 || !slices.Contains(keysOf(got), changed) || !slices.Contains(keysOf(got), added) {
				t.Fatalf("webhook got %v, want the four changes once each (the first after a retry)", keysOf(got))
			}
			for i, ok := range sigs {
				if !ok {
					t.Errorf("delivery %d: signature does not verify", i)
				}
			}
		})
		t.Run("Pull", func(t *testing.T) {
			qq := exchange.Query{Purpose: "低保对象信息变更核查"}
			page, err := x.Changes(e.As("county"), g.ID, 0, 3, qq)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(keysOf(page.Items), sorted(changed, added)) || !page.More {
				t.Fatalf("first page: got %v more %v", keysOf(page.Items), page.More)
			}
			next, err := x.Changes(e.As("county"), g.ID, page.Cursor, 100, qq)
			if err != nil || len(next.Items) != 2 || next.More {
				t.Fatalf("second page: got %v %v", next, err)
			}
			again, err := x.Changes(e.As("county"), g.ID, next.Cursor, 100, qq)
			if err != nil || len(again.Items) != 0 || again.Cursor != next.Cursor {
				t.Fatalf("caught up: got %+v %v", again, err)
			}
			if _, err := x.Changes(e.As("rs"), g.ID, 0, 10, qq); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
				t.Errorf("another department pulls: got %v", err)
			}
		})
		t.Run("RevokedStopsDelivery", func(t *testing.T) {
			if _, err := x.Revoke(e.As("ga"), g.ID, "停止共享"); err != nil {
				t.Fatal(err)
			}
			if _, err := e.Deliver(ctx, "ga", e.People, "公民身份号码,姓名,性别\n"+exchangetest.CitizenID("620102", "19990909", 730)+",周新,1\n"); err != nil {
				t.Fatal(err)
			}
			if n, err := x.PumpFeeds(ctx); err != nil || n != 0 {
				t.Fatalf("after revocation: got %d published, %v", n, err)
			}
		})
		if _, _, err := x.Subscribe(e.As("rs"), g.ID, "", ""); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
			t.Errorf("another department subscribes: got %v", err)
		}
		if _, _, err := x.Subscribe(e.As("county"), g.ID, "http://127.0.0.1/x", ""); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
			t.Errorf("subscribe on a revoked grant: got %v", err)
		}
	})
}
