package demo

import (
	"math"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"huitong"
	"huitong/catalog"
)

// TestTemplates builds every template with every mount and share type at
// every level and runs the catalog's own validation on it.
func TestTemplates(t *testing.T) {
	depts, err := planDepartments(rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	sample := map[string]map[huitong.Level]*dept{}
	for _, d := range depts {
		if sample[d.domain] == nil {
			sample[d.domain] = map[huitong.Level]*dept{}
		}
		if sample[d.domain][d.Level] == nil {
			sample[d.domain][d.Level] = d
		}
	}
	deptItem := map[string]string{} // class-3 项 -> domain
	for key, dom := range domains() {
		if len(sample[key]) == 0 {
			t.Errorf("domain %s: got no department, want one", key)
		}
		for i := range dom.templates {
			tp := &dom.templates[i]
			t.Run(tp.names[0], func(t *testing.T) {
				if len(tp.cls) != 6 || !regexp.MustCompile(`^[123][0-9]{5}$`).MatchString(tp.cls) {
					t.Fatalf("classification %q: want 1 class digit, 2 item digits, 3 category digits", tp.cls)
				}
				if tp.cls[0] == '3' {
					if other, ok := deptItem[tp.cls[1:3]]; ok && other != key {
						t.Errorf("class 3 item %s: got domains %s and %s, want one domain per item", tp.cls[1:3], other, key)
					}
					deptItem[tp.cls[1:3]] = key
				}
				if firstSentence(tp.abstract) == tp.abstract {
					t.Errorf("abstract: got one sentence, want two")
				}
				if tp.slug == "" || tp.keywords == "" || tp.cycle == "" {
					t.Errorf("slug %q, keywords %q, cycle %q: want all set", tp.slug, tp.keywords, tp.cycle)
				}
				its := itemList(tp.items)
				if n := len(its); n < 5 || n > 14 {
					t.Errorf("items: got %d, want 5-14 (15 with %s)", n, updatedItem)
				}
				if keyName(tp) == "" || strings.Count(tp.items, "*") != 1 {
					t.Errorf("items: got %d keys, want 1", strings.Count(tp.items, "*"))
				}
				if strings.Contains(tp.items, updatedItem) {
					t.Errorf("items: got %s, want it left for reviews and revisions to add", updatedItem)
				}
				for _, d := range sample[key] {
					for _, mount := range []huitong.Mount{
						{Kind: huitong.MountTable},
						{Kind: huitong.MountAPI, URL: "https://api." + d.host + "/v1/" + tp.slug, Method: "GET"},
						{Kind: huitong.MountFile, Path: "/exchange/" + d.user + "/"},
					} {
						for _, st := range []huitong.ShareType{huitong.ShareUnconditional, huitong.ShareConditional, huitong.ShareNone} {
							e := &entry{d: d, t: tp, name: d.prefix + tp.names[0], share: st, mount: mount, format: huitong.FormatDatabase,
								open: huitong.OpenClosed, keywords: strings.Fields(tp.keywords)}
							switch st {
							case huitong.ShareConditional:
								e.cond, e.methods = "须申请", []huitong.ShareMethod{huitong.MethodQuery}
							case huitong.ShareNone:
								e.legal = lawPIPL
							default:
								e.methods = []huitong.ShareMethod{huitong.MethodSystem}
							}
							r := e.resource()
							withUpdatedItem(r)
							if err := catalog.Validate(r); err != nil {
								t.Errorf("%s %s %s: %v", d.Name, mount.Kind, st, err)
							}
							if strings.Contains(r.Abstract, "{") {
								t.Errorf("abstract: got %q, want placeholders replaced", r.Abstract)
							}
						}
					}
				}
			})
		}
	}
}

func TestPlanDepartments(t *testing.T) {
	depts, err := planDepartments(rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,47}$`)
	levels := map[huitong.Level]int{}
	for _, d := range depts {
		levels[d.Level]++
		for _, u := range []string{d.user, d.user + "-admin"} {
			if !re.MatchString(u) || u == "admin" || u == "reviewer" {
				t.Errorf("%s: username %q: want a match of %s other than admin and reviewer", d.Name, u, re)
			}
		}
		if regexp.MustCompile(`-x[0-9]+-`).MatchString(d.user) {
			t.Errorf("%s: username %q: got a fallback abbreviation, want one from the table", d.Name, d.user)
		}
	}
	want := map[huitong.Level]int{huitong.LevelProvince: 24, huitong.LevelPrefecture: 14 * 6, huitong.LevelCounty: 13 * 2 * 3}
	for l, n := range want {
		if levels[l] != n {
			t.Errorf("%s departments: got %d, want %d", l, levels[l], n)
		}
	}
}

func TestPlanFates(t *testing.T) {
	for _, tc := range []struct {
		name  string
		n     int
		share float64
	}{
		{"Default", 400, 0.85}, {"Small", 60, 0.85}, {"Tiny", 3, 0.5}, {"All", 25, 1}, {"Few", 40, 0.1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fates := planFates(rand.New(rand.NewPCG(1, 3)), tc.n, tc.share)
			if len(fates) != tc.n {
				t.Fatalf("fates: got %d, want %d", len(fates), tc.n)
			}
			pub := 0
			for _, f := range fates {
				if f.published() {
					pub++
				}
			}
			if want := int(math.Round(float64(tc.n) * tc.share)); pub != want {
				t.Errorf("published: got %d, want %d", pub, want)
			}
		})
	}
}
