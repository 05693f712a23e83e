// Package devmail is the demo's mail catcher: a small SMTP server on the loopback address that keeps
// the last mails it received in memory, and a page (mounted at /dev-mail, in the demo only) that lists
// them, so that the portal's e-mails (the confirmation link, "there is a new message") can be seen
// without a real mailbox. It is never used outside the demo.
package devmail

import (
	"bytes"
	"errors"
	"html/template"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Keep is how many mails the catcher keeps; older ones are dropped.
const Keep = 200

// maxSize bounds one mail.
const maxSize = 1 << 20

// Mail is one caught mail.
type Mail struct {
	At      time.Time
	To      []string
	Subject string
	Body    string
}

// Catcher is a running SMTP server and its mails. It is safe for concurrent use.
type Catcher struct {
	srv  *smtp.Server
	addr string

	mu    sync.Mutex
	mails []Mail // oldest first
}

// Start listens on addr (for example "127.0.0.1:0") and catches mail until Close.
func Start(addr string) (*Catcher, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &Catcher{addr: ln.Addr().String()}
	srv := smtp.NewServer(backend{c})
	srv.Domain = "devmail.invalid"
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	srv.MaxMessageBytes = maxSize
	c.srv = srv
	go func() { _ = srv.Serve(ln) }()
	return c, nil
}

// Addr is the host:port the catcher listens on.
func (c *Catcher) Addr() string { return c.addr }

// Close stops the catcher.
func (c *Catcher) Close() error { return c.srv.Close() }

// Mails returns the caught mails, newest first.
func (c *Catcher) Mails() []Mail {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Mail, len(c.mails))
	for i, m := range c.mails {
		out[len(c.mails)-1-i] = m
	}
	return out
}

func (c *Catcher) add(m Mail) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mails = append(c.mails, m)
	if len(c.mails) > Keep {
		c.mails = c.mails[len(c.mails)-Keep:]
	}
}

type backend struct{ c *Catcher }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{c: b.c}, nil }

type session struct {
	c  *Catcher
	to []string
}

func (s *session) Mail(string, *smtp.MailOptions) error { return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *session) Reset()        { s.to = nil }
func (s *session) Logout() error { return nil }

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(io.LimitReader(r, maxSize))
	if err != nil {
		return err
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return errors.New("devmail: not a mail message")
	}
	var body io.Reader = msg.Body
	if strings.EqualFold(strings.TrimSpace(msg.Header.Get("Content-Transfer-Encoding")), "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		subject = msg.Header.Get("Subject")
	}
	s.c.add(Mail{At: time.Now(), To: append([]string(nil), s.to...), Subject: subject,
		Body: strings.ReplaceAll(string(b), "\r\n", "\n")})
	return nil
}

var linkRe = regexp.MustCompile(`https?://[^\s<>"]+`)

// linked splits a body into text and links, for the page.
func linked(body string) []part {
	var out []part
	last := 0
	for _, m := range linkRe.FindAllStringIndex(body, -1) {
		out = append(out, part{Text: body[last:m[0]]}, part{Text: body[m[0]:m[1]], Link: true})
		last = m[1]
	}
	return append(out, part{Text: body[last:]})
}

type part struct {
	Text string
	Link bool
}

var page = template.Must(template.New("devmail").Funcs(template.FuncMap{"linked": linked}).Parse(`<!doctype html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Demo-mailbox — Inzicht</title>
<link rel="stylesheet" href="/static/app.css">
</head>
<body>
<main id="inhoud" class="container">
<h1>Demo-mailbox</h1>
<p>Alleen in de demo: de e-mails die Inzicht verstuurde, de nieuwste bovenaan. Ververs de pagina voor nieuwe e-mails. / Demo only: the e-mails Inzicht sent, newest first. Reload the page for new e-mails.</p>
<p><a href="/">Naar Inzicht / To Inzicht</a></p>
{{if .}}
<ol class="messages dev-mail">
{{range .}}
<li class="message">
<h2>{{.Subject}}</h2>
<p class="when">{{.At.Format "2006-01-02 15:04:05"}} — aan / to: {{range $i, $t := .To}}{{if $i}}, {{end}}{{$t}}{{end}}</p>
<pre>{{range linked .Body}}{{if .Link}}<a href="{{.Text}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}{{end}}</pre>
</li>
{{end}}
</ol>
{{else}}
<p class="empty">Nog geen e-mails. / No e-mails yet.</p>
{{end}}
</main>
</body>
</html>
`))

// Handler shows the caught mails.
func (c *Catcher) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = page.Execute(w, c.Mails())
	})
}
