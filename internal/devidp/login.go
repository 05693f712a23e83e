package devidp

import (
	"crypto/subtle"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/op"
)

// The page uses no inline script or style (the portal's CSP forbids both); it links /static/app.css.
var page = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{if eq .Kind "staff"}}Inloggen voor medewerkers – simulator (alleen voor demo en test){{else}}DigiD-simulator (alleen voor demo en test){{end}}</title>
<link rel="stylesheet" href="/static/app.css">
</head>
<body>
<main id="inhoud" class="container">
{{- if eq .Kind "staff"}}
<h1>Inloggen voor medewerkers – simulator (alleen voor demo en test)</h1>
<p class="lead">Dit is niet het echte inlogsysteem van de gemeente. Met deze simulator logt u in het medewerkersportaal van Inzicht in met een demo-account.</p>
<p class="hint" lang="en">Staff log-in simulator for demos and tests only; not the municipality's real identity provider.</p>
{{- else}}
<h1>DigiD-simulator (alleen voor demo en test)</h1>
<p class="lead">Dit is niet de echte DigiD. Met deze simulator probeert u Inzicht uit met een nep-account.</p>
<p class="hint" lang="en">This is not the real DigiD: a simulator for demos and tests only.</p>
{{- end}}
{{- if .Error}}
<div class="mark" role="alert" id="fout"><p>{{.Error}}</p></div>
{{- end}}
{{- if .LoggedOut}}
<p>U bent uitgelogd bij de DigiD-simulator. U kunt dit venster sluiten.</p>
<p lang="en">You are logged out of the DigiD simulator.</p>
{{- else if eq .Kind "citizen"}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="authRequestID" value="{{.ID}}">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<div class="field">
<label for="bsn">Burgerservicenummer (BSN)</label>
<p class="hint" id="bsn-hint">Typ een BSN, meestal 9 cijfers. De simulator controleert het nummer niet. Zo kunt u ook een fout nummer testen.</p>
<input id="bsn" name="bsn" type="text" inputmode="numeric" autocomplete="off" maxlength="20" required aria-describedby="bsn-hint{{if eq .ErrorField "bsn"}} fout{{end}}"{{if eq .ErrorField "bsn"}} aria-invalid="true"{{end}} value="{{.BSN}}">
</div>
{{- if .ActingOffered}}
<fieldset class="field">
<legend>Namens iemand anders inloggen (DigiD Machtigen, niet verplicht)</legend>
<div class="field">
<label for="acting_bsn">Namens (BSN van de persoon voor wie u handelt)</label>
<p class="hint" id="acting_bsn-hint">Laat dit leeg als u voor uzelf inlogt. Vult u een BSN in, dan zegt de simulator dat u gemachtigd bent om voor die persoon in te loggen. Inzicht kijkt daarna of de gemeente deze vertegenwoordiging kent.</p>
<input id="acting_bsn" name="acting_bsn" type="text" inputmode="numeric" autocomplete="off" maxlength="20" aria-describedby="acting_bsn-hint{{if eq .ErrorField "acting_bsn"}} fout{{end}}"{{if eq .ErrorField "acting_bsn"}} aria-invalid="true"{{end}} value="{{.ActingBSN}}">
</div>
{{- if .ServiceOffered}}
<div class="field">
<label for="acting_service">Dienst van de machtiging</label>
<p class="hint" id="acting_service-hint">Niet verplicht. De dienst waarvoor de machtiging geldt, bijvoorbeeld inzicht. Alleen nodig als u ook een BSN hierboven invult.</p>
<input id="acting_service" name="acting_service" type="text" autocomplete="off" maxlength="100" aria-describedby="acting_service-hint{{if eq .ErrorField "acting_service"}} fout{{end}}"{{if eq .ErrorField "acting_service"}} aria-invalid="true"{{end}} value="{{.ActingService}}">
</div>
{{- end}}
</fieldset>
{{- end}}
<div class="field">
<label for="loa">Betrouwbaarheidsniveau</label>
<select id="loa" name="loa"{{if eq .ErrorField "loa"}} aria-invalid="true" aria-describedby="fout"{{end}}>
{{- range .Levels}}
<option value="{{.Name}}"{{if eq .Name $.LoA}} selected{{end}}>{{.Label}}</option>
{{- end}}
</select>
</div>
<p><button type="submit" class="button">Inloggen</button></p>
</form>
{{- else if eq .Kind "staff"}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="authRequestID" value="{{.ID}}">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<div class="field">
<label for="username">Demo-account van een medewerker</label>
<select id="username" name="username"{{if .Error}} aria-invalid="true" aria-describedby="fout"{{end}}>
{{- range .Staff}}
<option value="{{.Username}}"{{if eq .Username $.Username}} selected{{end}}>{{.Name}} ({{.Username}}, rol: {{.Role}})</option>
{{- end}}
</select>
</div>
<p><button type="submit" class="button">Inloggen</button></p>
</form>
{{- end}}
</main>
</body>
</html>
`))

type pageData struct {
	Kind               ClientKind
	Action, ID, CSRF   string
	Error              string
	ErrorField         string // the field the error is about (its id), for aria-invalid
	BSN, LoA, Username string
	LoggedOut          bool
	Levels             any
	Staff              []StaffAccount

	ActingOffered, ServiceOffered bool // the form offers acting on behalf of someone (and the service)
	ActingBSN, ActingService      string
}

const msgGone = "Deze inlogpoging is verlopen of bestaat niet. Ga terug naar de website en log opnieuw in."

func (p *Provider) render(w http.ResponseWriter, status int, d pageData) {
	d.Levels, d.Staff = loaLevels, staffAccounts
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := page.Execute(w, d); err != nil {
		p.log.Error("devidp: render login page", slog.Any("err", err))
	}
}

// cookieName names the login form's CSRF cookie. The cookie is always Secure (like the portal's):
// browsers treat http://localhost as a secure context, so the demo works over plain http too.
func (p *Provider) cookieName(id string) string { return "devidp_login_" + id }

// login serves <issuer path>/login?authRequestID=...: GET shows the form, POST checks it.
func (p *Provider) login(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	id := r.FormValue("authRequestID")
	ar, err := p.store.authRequest(id)
	var c *client
	if err == nil {
		c = p.store.clients[ar.clientID]
	}
	if err != nil || c == nil || ar.done {
		p.render(w, http.StatusBadRequest, pageData{Error: msgGone})
		return
	}
	d := pageData{Kind: c.c.Kind, Action: p.prefix + "/login", ID: ar.id, CSRF: ar.csrf, LoA: "substantieel",
		ActingOffered: p.actingBSN != "", ServiceOffered: p.actingService != ""}

	if r.Method != http.MethodPost {
		http.SetCookie(w, &http.Cookie{Name: p.cookieName(ar.id), Value: ar.csrf, Path: p.prefix + "/login",
			MaxAge: int(authRequestTTL.Seconds()), HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
		p.render(w, http.StatusOK, d)
		return
	}

	// CSRF: the form token and the cookie set with the form must both match this auth request.
	ck, cerr := r.Cookie(p.cookieName(ar.id))
	if cerr != nil || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(ar.csrf)) != 1 ||
		subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(ar.csrf)) != 1 {
		p.render(w, http.StatusForbidden, pageData{Error: "Het formulier is niet geldig. Ga terug naar de website en log opnieuw in."})
		return
	}

	var u user
	switch c.c.Kind {
	case CitizenClient:
		d.BSN, d.LoA = strings.TrimSpace(r.PostFormValue("bsn")), r.PostFormValue("loa")
		acr, ok := acrFor(d.LoA)
		if d.ActingOffered {
			d.ActingBSN = strings.TrimSpace(r.PostFormValue("acting_bsn"))
		}
		if d.ServiceOffered {
			d.ActingService = strings.TrimSpace(r.PostFormValue("acting_service"))
		}
		switch {
		case !digits(d.BSN, 1, 20):
			d.Error, d.ErrorField = "Vul een BSN in met alleen cijfers (1 tot 20 cijfers).", "bsn"
		case !ok:
			d.LoA, d.Error, d.ErrorField = "substantieel", "Kies een betrouwbaarheidsniveau.", "loa"
		case d.ActingBSN != "" && !digits(d.ActingBSN, 1, 20):
			d.Error, d.ErrorField = "Vul bij Namens een BSN in met alleen cijfers (1 tot 20 cijfers), of laat het veld leeg.", "acting_bsn"
		case d.ActingService != "" && d.ActingBSN == "":
			d.Error, d.ErrorField = "U vulde een dienst in, maar niet namens wie u handelt. Vul ook het BSN bij Namens in, of maak de dienst leeg.", "acting_bsn"
		case !serviceText(d.ActingService):
			d.Error, d.ErrorField = "Vul bij Dienst alleen letters, cijfers, punten, streepjes, dubbele punten of schuine strepen in.", "acting_service"
		}
		u = user{Subject: d.BSN, BSN: d.BSN, ACR: acr}
		if d.ActingBSN != "" {
			// The simulator does not check the number, so the portal's refusal of a bad one can be tried.
			u.Acting = []claim{{p.actingBSN, d.ActingBSN}}
			if d.ActingService != "" {
				u.Acting = append(u.Acting, claim{p.actingService, d.ActingService})
			}
		}
	case StaffClient:
		d.Username = strings.TrimSpace(r.PostFormValue("username"))
		s, ok := staffByUsername(d.Username)
		if !ok {
			d.Error, d.ErrorField = "Deze gebruikersnaam kennen we niet. Kies een van de demo-accounts.", "username"
		}
		acr, _ := acrFor("substantieel")
		u = user{Subject: s.Username, Name: s.Name, Roles: []string{s.Role}, ACR: acr}
	}
	if d.Error != "" {
		p.render(w, http.StatusUnprocessableEntity, d)
		return
	}
	if err := p.store.completeLogin(ar.id, r.PostFormValue("csrf"), u); err != nil {
		p.render(w, http.StatusBadRequest, pageData{Error: msgGone})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: p.cookieName(ar.id), Value: "", Path: p.prefix + "/login",
		MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
	p.log.Info("devidp: simulated login", slog.String("client", ar.clientID), slog.String("kind", string(c.c.Kind)),
		slog.String("acr", u.ACR), slog.Bool("acting", len(u.Acting) > 0)) // no BSN is logged
	http.Redirect(w, r, op.AuthCallbackURL(p.op)(r.Context(), ar.id), http.StatusSeeOther)
}

// loggedOut is the default page after end_session without a (registered) post_logout_redirect_uri.
func (p *Provider) loggedOut(w http.ResponseWriter, _ *http.Request) {
	p.render(w, http.StatusOK, pageData{LoggedOut: true})
}

func digits(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// serviceText reports whether s is empty or a plausible service id (at most 100 letters, digits and
// . _ - : /).
func serviceText(s string) bool {
	if len(s) > 100 {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && !strings.ContainsRune("._-:/", r) {
			return false
		}
	}
	return true
}
