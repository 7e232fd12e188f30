// Package search is an in-memory full-text index for Chinese text, built for
// the government information resource catalog (政务信息资源目录, whose entries
// 《政务信息资源目录编制指南(试行)》 describes) of up to about 100,000 entries.
//
// The catalog's database stays the source of truth: the index is derived
// state, rebuilt at start-up with Put and kept current with Put and Delete on
// every change. It exists because users search with two-character terms
// such as 户籍, 社保 or 营业, which PostgreSQL trigram indexes cannot serve
// and LIKE scans serve slowly.
//
// # Tokenisation
//
// Text is normalised first: full-width ASCII becomes half-width, Unicode
// spaces become ' ', Roman numerals and circled numbers become ASCII (the
// NFKC mappings, by hand, since only the standard library is used) and
// everything is lower-cased. A run of Han characters yields every character
// (unigram) and every overlapping pair (bigram); a run of other letters and
// digits yields one word; everything else separates runs. See Tokens.
//
// # Matching and ranking
//
// Every Han run and word of Query.Text must match: one Han character by its
// unigram, a longer run by its bigrams and then a phrase check that one
// field's normalised text holds the run contiguously, a word by the same
// word (or, for the last word of the query when it has 3 or more
// characters, by any word it is a prefix of). Hits are ranked by a
// field-weighted BM25 plus a bonus when the highest-weight field contains,
// or equals, the whole query; ties go to the smaller ID. Search documents
// the details.
//
// # Cost
//
// Documents get dense uint32 ordinals; postings are sorted ordinal lists
// with, per posting, the fields and term frequencies of up to four fields.
// Deleting or replacing a document marks its ordinal dead; once a quarter
// of the ordinals are dead, the next Put or Delete compacts the index,
// renumbering ordinals in order so every list stays sorted (tens of
// milliseconds at 50,000 entries, under the write lock). Put costs about
// 25µs for a catalog entry, compaction included. A query with one
// two-character term costs roughly 25ns per matching entry, facet counting
// included: BenchmarkSearchTwoChar averages 17,000 hits out of 50,000
// entries in about 0.5ms on an idle core, where scanning the same texts in
// memory (BenchmarkBruteForceTwoChar, a lower bound for LIKE '%户籍%')
// takes about 50ms. Runs of three or more characters cost more, about
// 100ns per field checked for the phrase. The index of 50,000 synthetic
// entries takes about 75MB.
package search
