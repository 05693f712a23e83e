package devidp

import (
	"context"
	"net"
	"net/url"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
)

// TestUnderFiber runs the code flow with the provider mounted the way the portal does it. Fiber's
// adaptor hands over strings backed by reused fasthttp buffers, so this catches stored request data
// that was not copied.
func TestUnderFiber(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	e := &env{t: t, issuer: base + "/dev-idp", redirect: base + "/rp/callback", loggedOut: base + "/uitgelogd",
		keys: clientKeys(t, citizenID)}
	e.idp, err = New(Config{Issuer: e.issuer, Clients: []Client{
		{ID: citizenID, Key: pub(e.keys[citizenID]), Kind: CitizenClient, RedirectURIs: []string{e.redirect}}}})
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use("/dev-idp", adaptor.HTTPHandler(e.idp.Handler()))
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })

	if e.rp, err = oidc.NewProvider(context.Background(), e.issuer); err != nil {
		t.Fatal(err)
	}
	for _, bsn := range []string{"999993653", "123456789"} {
		f := e.start(citizenID)
		claims, idt, _ := e.verify(f, e.code(f, e.submit(f, url.Values{"bsn": {bsn}, "loa": {"midden"}})))
		if claims["bsn"] != bsn || idt.Subject != bsn || claims["acr"] != "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract" {
			t.Errorf("claims %v", claims)
		}
	}
}
