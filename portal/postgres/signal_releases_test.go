package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/inzicht/inzicht/portal"
)

// Signals hidden from representatives (issue 16): the categories domestic_violence and child_safety
// and deferrals that say so hide a signal from every representative of the person, in the list, the
// single read and the inbox, until a release for that one representative is asked with a reason and
// approved by someone else.

// srRep registers that repBSN represents bsnB (born 2014-01-15) for parts, and returns its id.
func (d *testDB) srRep(t *testing.T, repBSN string, parts ...string) string {
	t.Helper()
	r := representation(letterUUID())
	r.RepresentativeBSN, r.Parts = repBSN, parts
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.PutRepresentation(context.Background(), r, 0); err != nil {
		t.Fatal(err)
	}
	return r.ID
}

// srSignal registers a told signal about bsn in category cat.
func (d *testDB) srSignal(t *testing.T, bsn, cat string) portal.Signal {
	t.Helper()
	ns := sgNew(bsn, d.clock.Now())
	ns.Nature.Category = cat
	s := d.sgRegister(t, ns, "api", nil, nil)
	if !s.Told() {
		t.Fatalf("signal %s not told at once", s.ID)
	}
	return s
}

// srSees reports whether the reader (repID; "" for the person) sees the signal, checking that the
// list, the single read and the inbox agree.
func (d *testDB) srSees(t *testing.T, subject int64, repID, id string) bool {
	t.Helper()
	ctx := context.Background()
	_, err := d.CitizenSignal(ctx, subject, repID, id)
	if err != nil && portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Fatalf("CitizenSignal: %v", err)
	}
	list, lerr := d.CitizenSignals(ctx, subject, repID)
	if lerr != nil {
		t.Fatalf("CitizenSignals: %v", lerr)
	}
	inList := slices.ContainsFunc(list, func(s portal.Signal) bool { return s.ID == id })
	f := portal.MessageFilter{SubjectID: subject, RepresentationID: repID, Parts: portal.RepresentationParts}
	ms, merr := d.InboxMessages(ctx, f, 500)
	if merr != nil {
		t.Fatalf("InboxMessages: %v", merr)
	}
	inInbox := slices.ContainsFunc(ms, func(m portal.Message) bool { return m.SignalID == id })
	if inList != (err == nil) || inInbox != inList {
		t.Errorf("reader %q, signal %s: listed %v, single read %v, in the inbox %v", repID, id, inList, err, inInbox)
	}
	return err == nil
}

func TestSignalReleasesHideByCategory(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	child := db.subject(t, bsnB)
	p1 := db.srRep(t, bsnA, portal.PartSignals)
	p2 := db.srRep(t, bsnC, portal.PartSignals)
	wellbeing := db.srSignal(t, bsnB, "wellbeing")
	violence := db.srSignal(t, bsnB, "domestic_violence")
	safety := db.srSignal(t, bsnB, "child_safety")
	other := db.srSignal(t, bsnD, "wellbeing") // another person's

	for _, s := range []portal.Signal{wellbeing, violence, safety} {
		if !db.srSees(t, child, "", s.ID) {
			t.Errorf("the child does not see their own %s signal", s.Nature.Category)
		}
	}
	for _, rep := range []string{p1, p2} {
		if !db.srSees(t, child, rep, wellbeing.ID) {
			t.Errorf("representative %s does not see the wellbeing signal", rep)
		}
		for _, s := range []portal.Signal{violence, safety} {
			if db.srSees(t, child, rep, s.ID) {
				t.Errorf("representative %s sees the %s signal", rep, s.Nature.Category)
			}
		}
		if db.srSees(t, child, rep, other.ID) {
			t.Errorf("representative %s sees another person's signal", rep)
		}
	}
	if n, err := db.InboxUnreadCount(ctx, portal.MessageFilter{SubjectID: child}); err != nil || n != 3 {
		t.Errorf("the child's unread count = %d, %v; want 3", n, err)
	}
	if n, err := db.InboxUnreadCount(ctx, portal.MessageFilter{SubjectID: child, RepresentationID: p1, Parts: []string{portal.PartSignals}}); err != nil || n != 1 {
		t.Errorf("the representative's unread count = %d, %v; want 1", n, err)
	}

	// Asking for a release: a reason, a representation of this person, a hidden signal, one open at a time.
	code := func(err error) string { return portal.ErrorCode(err) }
	if _, err := db.RequestSignalRelease(ctx, violence.ID, p1, "  ", sgClerk); code(err) != portal.EINVALID ||
		!slices.ContainsFunc(portal.ErrorFields(err), func(f portal.FieldError) bool { return f.Field == "reason" }) {
		t.Errorf("release without a reason: %v %v", err, portal.ErrorFields(err))
	}
	otherRep := representation(letterUUID())
	otherRep.SubjectBSN, otherRep.RepresentativeBSN = bsnD, bsnE
	if err := otherRep.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.PutRepresentation(ctx, otherRep, 0); err != nil {
		t.Fatal(err)
	}
	for name, rep := range map[string]string{"another person's representation": otherRep.ID, "an unknown one": uuid.NewString(), "no uuid": "x"} {
		if _, err := db.RequestSignalRelease(ctx, violence.ID, rep, "De moeder moet dit weten", sgClerk); code(err) != portal.ENOTFOUND {
			t.Errorf("release for %s: %v, want ENOTFOUND", name, err)
		}
	}
	if _, err := db.RequestSignalRelease(ctx, uuid.NewString(), p1, "De moeder moet dit weten", sgClerk); code(err) != portal.ENOTFOUND {
		t.Errorf("release of an unknown signal: %v", err)
	}
	if _, err := db.RequestSignalRelease(ctx, wellbeing.ID, p1, "Niets te verbergen", sgClerk); code(err) != portal.EINVALID {
		t.Errorf("release of a signal that is not hidden: %v", err)
	}
	rel, err := db.RequestSignalRelease(ctx, violence.ID, p1, "Vader is de melder; hij moet de afspraken kennen", sgClerk)
	if err != nil {
		t.Fatalf("RequestSignalRelease: %v", err)
	}
	if rel.Status != portal.ReleasePending || rel.RequesterName != sgClerk.Name || rel.RepresentationID != p1 || rel.SignalID != violence.ID {
		t.Errorf("release %+v", rel)
	}
	if _, err := db.RequestSignalRelease(ctx, violence.ID, p1, "Nog een keer", sgClerk); code(err) != portal.ECONFLICT {
		t.Errorf("second open release: %v, want ECONFLICT", err)
	}
	if db.srSees(t, child, p1, violence.ID) {
		t.Error("a pending release shows the signal")
	}

	// Four eyes: not the requester, also not with the team lead role; only pending ones; only this signal's.
	for _, by := range []portal.Staff{sgClerk, sgClerkAsLead} {
		if err := db.DecideSignalRelease(ctx, violence.ID, rel.ID, true, by); code(err) != portal.EFORBIDDEN {
			t.Errorf("the requester (%v) decides: %v, want EFORBIDDEN", by.Roles, err)
		}
	}
	if err := db.DecideSignalRelease(ctx, safety.ID, rel.ID, true, sgLead); code(err) != portal.ENOTFOUND {
		t.Errorf("decided under another signal: %v, want ENOTFOUND", err)
	}
	if err := db.DecideSignalRelease(ctx, violence.ID, rel.ID+1000, true, sgLead); code(err) != portal.ENOTFOUND {
		t.Errorf("unknown release: %v, want ENOTFOUND", err)
	}
	if err := db.DecideSignalRelease(ctx, violence.ID, rel.ID, true, sgLead); err != nil {
		t.Fatalf("DecideSignalRelease: %v", err)
	}
	if err := db.DecideSignalRelease(ctx, violence.ID, rel.ID, false, sgLead2); code(err) != portal.EINVALID {
		t.Errorf("deciding again: %v, want EINVALID", err)
	}
	if !db.srSees(t, child, p1, violence.ID) {
		t.Error("the approved release does not show the signal to its representative")
	}
	if db.srSees(t, child, p2, violence.ID) {
		t.Error("a release for one parent shows the signal to the other")
	}
	if db.srSees(t, child, p1, safety.ID) {
		t.Error("a release of one signal shows another")
	}
	if _, err := db.RequestSignalRelease(ctx, violence.ID, p1, "Nog een keer", sgClerk); code(err) != portal.ECONFLICT {
		t.Errorf("release while one is approved: %v, want ECONFLICT", err)
	}

	// A rejected release shows nothing, and another may be asked afterwards.
	rej, err := db.RequestSignalRelease(ctx, violence.ID, p2, "Moeder vraagt ernaar", sgClerk)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DecideSignalRelease(ctx, violence.ID, rej.ID, false, sgLead); err != nil {
		t.Fatal(err)
	}
	if db.srSees(t, child, p2, violence.ID) {
		t.Error("a rejected release shows the signal")
	}
	if _, err := db.RequestSignalRelease(ctx, violence.ID, p2, "Nieuwe feiten", sgLead2); err != nil {
		t.Errorf("a new release after a rejection: %v", err)
	}

	rs, err := db.SignalReleases(ctx, violence.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rs {
		got = append(got, r.RepresentationID+" "+r.Status+" "+r.RequesterName+" "+r.DeciderName)
	}
	want := []string{p1 + " approved " + sgClerk.Name + " " + sgLead.Name, p2 + " rejected " + sgClerk.Name + " " + sgLead.Name,
		p2 + " pending " + sgLead2.Name + " "}
	if !slices.Equal(got, want) {
		t.Errorf("SignalReleases = %q, want %q", got, want)
	}
	if rs[0].DecidedAt == nil || rs[2].DecidedAt != nil || rs[0].Reason == "" {
		t.Errorf("releases %+v", rs)
	}

	// Destroying the content keeps the category, and so the signal stays hidden from others.
	if err := db.DecideRetention(ctx, safety.ID, sgClerk, portal.RetentionChoice{Decision: portal.RetainDestroy}, portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	if !db.srSees(t, child, "", safety.ID) || db.srSees(t, child, p1, safety.ID) {
		t.Error("after destruction the child must still see the signal and the parent not")
	}
}

func TestSignalDeferralHidesFromRepresentatives(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	child := db.subject(t, bsnB)
	parent := db.srRep(t, bsnA, portal.PartSignals, portal.PartLog)

	// registered with a deferral that asks to keep the signal hidden from representatives
	register := func(hide bool) portal.Signal {
		ns := sgNew(bsnB, db.clock.Now())
		ns.Nature.Category = "wellbeing"
		d := sgDefer(db.clock.Now().Add(30 * 24 * time.Hour))
		d.HideFromRepresentatives = hide
		return db.sgRegister(t, ns, "staff", &sgClerk, d)
	}
	hidden, plain, rejected := register(true), register(false), register(true)
	if d := db.sgStaffView(t, hidden.ID).Deferrals; len(d) != 1 || !d[0].HideFromRepresentatives {
		t.Fatalf("the flag was not stored: %+v", d)
	}
	if d := db.sgStaffView(t, plain.ID).Deferrals; len(d) != 1 || d[0].HideFromRepresentatives {
		t.Fatalf("a flag was stored that nobody asked for: %+v", d)
	}
	for _, s := range []portal.Signal{hidden, plain} {
		if err := db.DecideDeferral(ctx, s.ID, s.Deferrals[0].ID, sgLead, true); err != nil {
			t.Fatal(err)
		}
		if err := db.TellSignal(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
	}
	// A rejection tells the person; the rejected deferral hides nothing.
	if err := db.DecideDeferral(ctx, rejected.ID, rejected.Deferrals[0].ID, sgLead, false); err != nil {
		t.Fatal(err)
	}
	for _, s := range []portal.Signal{hidden, plain, rejected} {
		if !db.srSees(t, child, "", s.ID) {
			t.Errorf("the child does not see signal %s after being told", s.ID)
		}
	}
	if db.srSees(t, child, parent, hidden.ID) {
		t.Error("the parent sees a signal whose approved deferral keeps it hidden from representatives")
	}
	if !db.srSees(t, child, parent, plain.ID) || !db.srSees(t, child, parent, rejected.ID) {
		t.Error("the parent does not see a told wellbeing signal without an approved hiding deferral")
	}

	// A later deferral request asked through RequestDeferral carries the flag too.
	later := register(false)
	if err := db.DecideDeferral(ctx, later.ID, later.Deferrals[0].ID, sgLead, true); err != nil {
		t.Fatal(err)
	}
	ext := *sgDefer(db.clock.Now().Add(60 * 24 * time.Hour))
	ext.HideFromRepresentatives = true
	if err := db.RequestDeferral(ctx, later.ID, sgClerk, ext, portal.SignalPolicy{}); err != nil {
		t.Fatal(err)
	}
	s := db.sgStaffView(t, later.ID)
	if len(s.Deferrals) != 2 || !s.Deferrals[1].HideFromRepresentatives || !s.HiddenFromRepresentatives() {
		t.Fatalf("the extension's flag: %+v", s.Deferrals)
	}
	if err := db.DecideDeferral(ctx, later.ID, s.Deferrals[1].ID, sgLead, true); err != nil {
		t.Fatal(err)
	}
	if err := db.TellSignal(ctx, later.ID); err != nil {
		t.Fatal(err)
	}
	if db.srSees(t, child, parent, later.ID) {
		t.Error("the parent sees a signal whose approved extension keeps it hidden")
	}

	// A release shows it after all.
	rel, err := db.RequestSignalRelease(ctx, hidden.ID, parent, "Gesprek met beide ouders gepland", sgClerk)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DecideSignalRelease(ctx, hidden.ID, rel.ID, true, sgLead); err != nil {
		t.Fatal(err)
	}
	if !db.srSees(t, child, parent, hidden.ID) {
		t.Error("the approved release does not show the signal")
	}
}

func TestSignalReleasesInboxParts(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	child := db.subject(t, bsnB)
	sig := db.srSignal(t, bsnB, "wellbeing")
	hiddenSig := db.srSignal(t, bsnB, "domestic_violence")
	req, err := db.CreateRequest(ctx, child, portal.NewRequest{Kind: portal.KindInspection, Scope: portal.Scope{All: true}, Description: "inzage"})
	if err != nil {
		t.Fatal(err)
	}
	cons := db.csCreate(t, csNew(bsnB, t0.AddDate(0, 6, 0).Format("2006-01-02")))

	// which message kinds a reader sees: r request, s signal, h hidden signal, c consent
	kinds := func(f portal.MessageFilter) string {
		t.Helper()
		ms, err := db.InboxMessages(ctx, f, 500)
		if err != nil {
			t.Fatal(err)
		}
		var out []byte
		for _, m := range slices.Backward(ms) {
			switch {
			case m.RequestID == req.ID:
				out = append(out, 'r')
			case m.SignalID == sig.ID:
				out = append(out, 's')
			case m.SignalID == hiddenSig.ID:
				out = append(out, 'h')
			case m.ConsentID == cons.ID:
				out = append(out, 'c')
			default:
				t.Errorf("unexpected message %+v", m)
			}
		}
		n, err := db.InboxUnreadCount(ctx, f)
		if err != nil || n != len(out) {
			t.Errorf("unread count %d, %v; the list has %d", n, err, len(out))
		}
		return string(out)
	}
	if got := kinds(portal.MessageFilter{SubjectID: child}); got != "shrc" {
		t.Errorf("the child's inbox: %q, want shrc", got)
	}
	for _, c := range []struct {
		parts []string
		want  string
	}{
		{[]string{portal.PartLog}, ""},
		{[]string{portal.PartRequests}, "r"},
		{[]string{portal.PartSignals}, "s"},
		{[]string{portal.PartConsent}, "c"},
		{portal.RepresentationParts, "src"},
	} {
		rep := db.srRep(t, bsnA, c.parts...)
		st, err := db.Representation(ctx, rep)
		if err != nil {
			t.Fatal(err)
		}
		f := portal.InboxFilter(child, &portal.Acting{Rep: st})
		if got := kinds(f); got != c.want {
			t.Errorf("parts %v: inbox %q, want %q", c.parts, got, c.want)
		}
	}

	// Marking read while acting touches only what the representative sees.
	rep := db.srRep(t, bsnA, portal.PartSignals)
	ms, err := db.InboxMessages(ctx, portal.MessageFilter{SubjectID: child}, 500)
	if err != nil {
		t.Fatal(err)
	}
	var all []int64
	for _, m := range ms {
		all = append(all, m.ID)
	}
	if err := db.MarkInboxRead(ctx, portal.MessageFilter{SubjectID: child, RepresentationID: rep, Parts: []string{portal.PartSignals}}, all); err != nil {
		t.Fatal(err)
	}
	ms, _ = db.InboxMessages(ctx, portal.MessageFilter{SubjectID: child}, 500)
	for _, m := range ms {
		if read := m.ReadAt != nil; read != (m.SignalID == sig.ID) {
			t.Errorf("message %+v read %v after the representative marked everything", m, read)
		}
	}
	if n, _ := db.InboxUnreadCount(ctx, portal.MessageFilter{SubjectID: child}); n != 3 {
		t.Errorf("the child's unread count = %d, want 3", n)
	}
}
