// Package testwitness is a tiny C2SP tlog-witness (https://c2sp.org/tlog-witness) for tests: it
// serves POST /add-checkpoint for the logs it is given, keeps each log's latest checkpoint in memory,
// accepts a new one only with the log's valid signature, the right old size and a valid consistency
// proof, and answers with its cosignature/v1 line (github.com/transparency-dev/formats/note). It is
// what a municipality, a journalist or the Autoriteit Persoonsgegevens would run in earnest with a
// real witness (docs/verifiable-log.md §8), small enough to read in a test.
package testwitness

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/inzicht/inzicht/portal/vlog"
)

// Witness is an http.Handler for POST /add-checkpoint.
type Witness struct {
	signer note.Signer
	vkey   string
	logs   map[string]string // origin -> the log's verifier key
	mu     sync.Mutex
	state  map[string]vlog.Checkpoint // origin -> the latest checkpoint cosigned
	Calls  int                        // requests served, for tests
}

// New makes a witness named name with a fresh Ed25519 key, for the logs whose verifier keys are
// given. VerifierKey is its cosignature/v1 verifier key.
func New(name string, seed []byte, logKeys ...string) (*Witness, error) {
	skey, err := vlog.SeedKey(name, seed)
	if err != nil {
		return nil, err
	}
	s, err := fnote.NewSignerForCosignatureV1(skey)
	if err != nil {
		return nil, err
	}
	plain, err := vlog.NewSigner(skey)
	if err != nil {
		return nil, err
	}
	vkey, err := fnote.VKeyToCosignatureV1(plain.VerifierKey())
	if err != nil {
		return nil, err
	}
	w := &Witness{signer: s, vkey: vkey, logs: map[string]string{}, state: map[string]vlog.Checkpoint{}}
	for _, k := range logKeys {
		name, _, _ := strings.Cut(k, "+")
		w.logs[name] = k
	}
	return w, nil
}

// VerifierKey is the witness's cosignature/v1 verifier key (type 0x04).
func (w *Witness) VerifierKey() string { return w.vkey }

// Size is the size of the latest checkpoint of origin the witness cosigned.
func (w *Witness) Size(origin string) int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.state[origin].Size
}

func (w *Witness) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/add-checkpoint" {
		http.NotFound(rw, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(rw, "read", http.StatusBadRequest)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.Calls++
	status, answer := w.add(body)
	if status == http.StatusConflict {
		rw.Header().Set("Content-Type", "text/x.tlog.size")
	}
	rw.WriteHeader(status)
	_, _ = rw.Write(answer)
}

// add handles one add-checkpoint request body (tlog-witness): "old N", proof lines, blank line, note.
func (w *Witness) add(body []byte) (int, []byte) {
	head, cp, ok := bytes.Cut(body, []byte("\n\n"))
	if !ok {
		return http.StatusBadRequest, []byte("no blank line\n")
	}
	sc := bufio.NewScanner(bytes.NewReader(append(head, '\n')))
	var old int64 = -1
	var proof []tlog.Hash
	for sc.Scan() {
		line := sc.Text()
		if old < 0 {
			n, err := strconv.ParseInt(strings.TrimPrefix(line, "old "), 10, 64)
			if !strings.HasPrefix(line, "old ") || err != nil || n < 0 {
				return http.StatusBadRequest, []byte("bad old line\n")
			}
			old = n
			continue
		}
		h, err := base64.StdEncoding.DecodeString(line)
		if err != nil || len(h) != tlog.HashSize {
			return http.StatusBadRequest, []byte("bad proof line\n")
		}
		proof = append(proof, tlog.Hash(h))
	}
	origin, _, _ := strings.Cut(string(cp), "\n")
	vkey, ok := w.logs[origin]
	if !ok {
		return http.StatusNotFound, []byte("unknown log\n")
	}
	c, err := vlog.OpenCheckpoint(cp, vkey)
	if err != nil {
		return http.StatusForbidden, []byte("the log's signature does not verify\n")
	}
	prev := w.state[origin]
	if old != prev.Size {
		return http.StatusConflict, []byte(fmt.Sprintf("%d\n", prev.Size))
	}
	if c.Size < prev.Size {
		return http.StatusBadRequest, []byte("smaller than the checkpoint held\n")
	}
	switch {
	case prev.Size == 0:
	case c.Size == prev.Size:
		if c.Hash != prev.Hash {
			return http.StatusConflict, []byte(fmt.Sprintf("%d\n", prev.Size)) // a fork: never cosigned
		}
	default:
		if err := tlog.CheckTree(proof, c.Size, c.Hash, prev.Size, prev.Hash); err != nil {
			return http.StatusUnprocessableEntity, []byte("the consistency proof fails\n")
		}
	}
	signed, err := note.Sign(&note.Note{Text: string(c.Body())}, w.signer)
	if err != nil {
		return http.StatusInternalServerError, []byte("sign\n")
	}
	w.state[origin] = c
	_, sigs, _ := bytes.Cut(signed, []byte("\n\n"))
	return http.StatusOK, sigs
}
