package vlog

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Witnesses (C2SP tlog-witness, docs/verifiable-log.md §8): independent parties that keep the latest
// checkpoint of the log they saw, cosign a new one only when it is consistent with it, and so make
// sure that everyone is shown the same, only-growing log.

// Witness is one configured witness: its cosignature verifier key and where to reach it.
type Witness struct {
	VerifierKey string // a note verifier key: Ed25519 cosignature/v1 (type 0x04) or plain Ed25519 (0x01)
	URL         string // its tlog-witness prefix; add-checkpoint is URL + "/add-checkpoint"
	v           note.Verifier
}

// Name is the witness's key name, which its cosignature lines carry.
func (w *Witness) Name() string { return w.v.Name() }

// ParseWitnesses reads INZICHT_LOG_WITNESSES: witnesses separated by ";" or line feeds, each its
// verifier key and its URL separated by white space. An empty string is no witness.
func ParseWitnesses(s string) ([]Witness, error) {
	var out []Witness
	seen := map[string]bool{}
	for _, item := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '\n' }) {
		f := strings.Fields(item)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			return nil, fmt.Errorf("vlog: witness %q: want a verifier key and a URL", item)
		}
		v, err := fnote.NewVerifierForCosignatureV1(f[0])
		if err != nil {
			return nil, fmt.Errorf("vlog: witness key %q: %w", f[0], err)
		}
		u, err := url.Parse(f[1])
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("vlog: witness URL %q: want an http(s) address", f[1])
		}
		if seen[v.Name()] {
			return nil, fmt.Errorf("vlog: witness %s given twice", v.Name())
		}
		seen[v.Name()] = true
		out = append(out, Witness{VerifierKey: f[0], URL: strings.TrimRight(f[1], "/"), v: v})
	}
	return out, nil
}

// AddCheckpointBody is the body of a tlog-witness add-checkpoint request: "old <size>", the
// consistency proof from that size, one base64 hash a line, a blank line, then the signed checkpoint.
func AddCheckpointBody(oldSize int64, proof []tlog.Hash, checkpoint []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "old %d\n", oldSize)
	for _, h := range proof {
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.Write(checkpoint)
	return b.Bytes()
}

// ConflictError is a witness's answer 409: it has a checkpoint of another size than the old size
// sent; Size is the one it has.
type ConflictError struct{ Size int64 }

func (e *ConflictError) Error() string {
	return fmt.Sprintf("the witness holds a checkpoint of size %d", e.Size)
}

// AddCheckpoint sends the signed checkpoint with the consistency proof from oldSize (the size the
// witness last cosigned; 0 for none) and returns the witness's cosignature line(s), checked against
// its key. A 409 answer is a *ConflictError naming the witness's size.
func (w *Witness) AddCheckpoint(ctx context.Context, client *http.Client, oldSize int64, proof []tlog.Hash, checkpoint []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL+"/add-checkpoint",
		bytes.NewReader(AddCheckpointBody(oldSize, proof, checkpoint)))
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("witness %s: %w", w.Name(), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("witness %s: %w", w.Name(), err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusConflict:
		n, err := strconv.ParseInt(strings.TrimSpace(string(body)), 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("witness %s: 409 without a size", w.Name())
		}
		return nil, &ConflictError{Size: n}
	default:
		return nil, fmt.Errorf("witness %s: %s: %s", w.Name(), resp.Status, strings.TrimSpace(string(body[:min(len(body), 200)])))
	}
	lines, err := w.Cosignature(checkpoint, body)
	if err != nil {
		return nil, fmt.Errorf("witness %s: %w", w.Name(), err)
	}
	return lines, nil
}

// Cosignature returns, of the signature lines sigs, those of this witness that verify on checkpoint;
// an error when there is none.
func (w *Witness) Cosignature(checkpoint, sigs []byte) ([]byte, error) {
	var keep bytes.Buffer
	for _, line := range strings.SplitAfter(string(sigs), "\n") {
		if !strings.HasPrefix(line, "— "+w.Name()+" ") {
			continue
		}
		if !strings.HasSuffix(line, "\n") {
			line += "\n"
		}
		if _, err := note.Open(append(bytes.Clone(checkpoint), line...), note.VerifierList(w.v)); err != nil {
			continue
		}
		keep.WriteString(line)
	}
	if keep.Len() == 0 {
		return nil, errors.New("no valid cosignature in the answer")
	}
	return keep.Bytes(), nil
}

// Cosigned returns the signed checkpoint with the cosignature lines added, leaving out any line of a
// key already on it (a witness's earlier cosignature of this checkpoint).
func Cosigned(checkpoint, lines []byte) []byte {
	out := bytes.Clone(checkpoint)
	for _, line := range strings.SplitAfter(string(lines), "\n") {
		name, _, ok := strings.Cut(strings.TrimPrefix(line, "— "), " ")
		if !ok || !strings.HasPrefix(line, "— ") || bytes.Contains(out, []byte("\n— "+name+" ")) {
			continue
		}
		out = append(out, line...)
	}
	return out
}

// WitnessStore is what pushing checkpoints to witnesses needs from the log's storage.
type WitnessStore interface {
	LogCheckpoint(ctx context.Context) (note []byte, size int64, err error)
	LogConsistency(ctx context.Context, n, old int64) ([]tlog.Hash, error)
	AddCosignatures(ctx context.Context, size int64, lines []byte) error
}

// Pusher pushes the latest checkpoint to each witness once (tlog-witness add-checkpoint) and adds
// their cosignatures to the published checkpoint. It remembers per witness the size it last
// cosigned; after a restart the witness's 409 answer tells it.
type Pusher struct {
	Witnesses []Witness
	Client    *http.Client
	Store     WitnessStore
	sizes     map[string]int64 // by witness name: the size it holds
}

// Push sends the latest checkpoint to every witness that has not cosigned it yet and stores the
// cosignatures. It returns the errors of the witnesses that failed (the others still cosign).
func (p *Pusher) Push(ctx context.Context) error {
	if p.sizes == nil {
		p.sizes = map[string]int64{}
	}
	cp, size, err := p.Store.LogCheckpoint(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for i := range p.Witnesses {
		w := &p.Witnesses[i]
		if old, ok := p.sizes[w.Name()]; ok && old >= size && bytes.Contains(cp, []byte("\n— "+w.Name()+" ")) {
			continue
		}
		if err := p.push(ctx, w, cp, size); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (p *Pusher) push(ctx context.Context, w *Witness, cp []byte, size int64) error {
	for try := 0; try < 2; try++ {
		old := p.sizes[w.Name()]
		if old > size {
			return fmt.Errorf("witness %s holds size %d, more than the log's %d", w.Name(), old, size)
		}
		var proof []tlog.Hash
		if old > 0 && old < size {
			var err error
			if proof, err = p.Store.LogConsistency(ctx, size, old); err != nil {
				return err
			}
		}
		lines, err := w.AddCheckpoint(ctx, p.Client, old, proof, cp)
		var conflict *ConflictError
		if errors.As(err, &conflict) {
			p.sizes[w.Name()] = conflict.Size
			continue
		}
		if err != nil {
			return err
		}
		p.sizes[w.Name()] = size
		return p.Store.AddCosignatures(ctx, size, lines)
	}
	return fmt.Errorf("witness %s: still a conflict", w.Name())
}
