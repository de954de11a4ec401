#!/usr/bin/python3
"""A document controller's session in headless Chromium against a master
with tokens (issue 16): sign in with a token, browse, sort, filter, see the
latest revisions only, upload a new file and then replace it after
confirming, see a 412 when the file changed behind the page's back, delete,
make a folder, sign out; and a cross-site form POST refused. Screenshots of
the listing at desktop and phone width go to --out.

    /usr/bin/python3 tests/browser/listing.py --zddc build/dev/src/zddc --out build/dev/screenshots
"""

import argparse
import http.server
import os
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zddc_browser as zb  # noqa: E402

from zddc_browser import check, failures  # noqa: E402


SPEC = "123456-EL-SPC-2623"
FILES = {
    "Docs/%s_A (IFA) - Spec For Switchgear.pdf" % SPEC: "spec rev A",
    "Docs/%s_A+C1 (RSB) - Spec For Switchgear.pdf" % SPEC: "spec A with comments",
    "Docs/%s_B (IFC) - Spec For Switchgear.pdf" % SPEC: "spec rev B",
    "Docs/%s_~C (DFT) - Spec For Switchgear.pdf" % SPEC: "spec draft C",
    "Docs/123456-EL-DWG-0001_0 (IFC) - Single Line Diagram.pdf": "drawing rev 0",
    "Docs/123456-EL-DWG-0001_1 (IFC) - Single Line Diagram.pdf": "drawing rev 1",
    "Docs/notes.txt": "not a controlled document",
    "Docs/2025-10-31_123456-EL-TRN-0043 (IFC) - Switchgear Package/readme.txt": "transmittal",
}


def names(d):
    return d.execute_script(
        "return [].slice.call(document.querySelectorAll('tbody tr[data-kind]'))"
        ".filter(function(r){return !r.hidden}).map(function(r){return r.dataset.name})")


def revs(d):
    return d.execute_script(
        "return [].slice.call(document.querySelectorAll('tbody tr[data-kind=f]'))"
        ".map(function(r){return r.cells[2].textContent})")


def set_filter(d, text):
    d.execute_script("var f=document.getElementById('filter');f.value=arguments[0];"
                     "f.dispatchEvent(new Event('input'))", text)
    return names(d)


def answer_dialogs(d, reply=None):
    """confirm() says yes and prompt() says `reply`; what they were asked
    is kept in sessionStorage, which outlives the reload after a write."""
    d.execute_script("sessionStorage.zddcAsked='[]';"
                     "function ask(m){var a=JSON.parse(sessionStorage.zddcAsked);a.push(m);"
                     "sessionStorage.zddcAsked=JSON.stringify(a)}"
                     "window.confirm=function(m){ask(m);return true};"
                     "window.prompt=function(m){ask(m);return %s};" % ("null" if reply is None else repr(reply)))


def asked(d):
    return d.execute_script("return JSON.parse(sessionStorage.zddcAsked||'[]')")


def reloaded_after(d, action, what):
    """Runs `action`, then waits for the page it started to be replaced by a new, loaded one."""
    d.execute_script("window.zddcOld=true")
    action()
    zb.wait_for(lambda: d.execute_script("return !window.zddcOld && document.readyState==='complete'"), what=what)


def message(d):
    return d.find_element("id", "msg").text


def listing_loaded(d):
    return d.execute_script("return document.readyState==='complete' && !!document.querySelector('tbody')")


def sign_in(d, master):
    d.get(master.url + "/Docs/")
    check("Sign in to ZDDC" in d.page_source, "a browser without a session gets the sign-in page")
    check('value="/Docs/"' in d.page_source, "it returns to the page asked for")
    d.find_element("id", "token").send_keys("zddc_not-a-real-token")
    d.find_element("css selector", "form button").click()
    zb.wait_for(lambda: "That token was not accepted" in d.page_source, what="a refused token")
    d.find_element("id", "token").send_keys(master.token)
    d.find_element("css selector", "form button").click()
    zb.wait_for(lambda: d.current_url.endswith("/Docs/") and listing_loaded(d), what="the listing after sign-in")
    cookies = {c["name"]: c for c in d.get_cookies()}
    session = cookies.get("zddc_session", {})
    check(session.get("httpOnly") is True and session.get("sameSite") == "Strict",
          "the session cookie is HttpOnly and SameSite=Strict")
    check(master.token not in session.get("value", master.token), "the cookie is not the token")
    zb.wait_for(lambda: "Signed in as controller" in d.find_element("id", "session").text, what="the session line")


def browse_sort_filter(d, out):
    zb.screenshot(d, out, "listing-desktop.png", 1280)
    zb.screenshot(d, out, "listing-phone.png", 412)
    width = d.execute_script("return document.documentElement.scrollWidth")
    check(width <= 412, "nothing runs off-screen at 412 px (scroll width %d)" % width)
    d.set_window_size(1280, 900)
    rev_head = d.find_element("css selector", 'th[data-col="2"] button')
    rev_head.click()
    order = [r for r in revs(d) if r]
    check(order == ["A", "A+C1", "B", "~C", "0", "1"],
          "Rev sorts in ZDDC order (letters before numbers, a modifier after its base): %s" % order)
    th = d.find_element("css selector", 'th[data-col="2"]')
    check(th.get_attribute("aria-sort") == "ascending", "the sorted header says aria-sort=ascending")
    rev_head.send_keys("\n")  # the keyboard sorts too
    check(th.get_attribute("aria-sort") == "descending", "Enter on the header reverses the order")

    shown = set_filter(d, "+status:IFC")
    check(len(shown) == 4 and all("(IFC)" in n for n in shown), "+status:IFC keeps IFC rows only: %s" % shown)
    shown = set_filter(d, "Single -rev:0")
    check(shown == ["123456-EL-DWG-0001_1 (IFC) - Single Line Diagram.pdf"], "a word and an exclusion: %s" % shown)
    shown = set_filter(d, "tracking:*SPC* notes")
    check(len(shown) == 5 and "notes.txt" in shown, "words are alternatives, * a wildcard: %s" % shown)
    set_filter(d, "")
    d.find_element("id", "latest").click()
    shown = [n for n in names(d) if n.startswith("123456-EL-")]
    check(sorted(shown) == sorted(["123456-EL-DWG-0001_1 (IFC) - Single Line Diagram.pdf",
                                   "%s_B (IFC) - Spec For Switchgear.pdf" % SPEC]),
          "latest revision only: one row per tracking number, issued before drafts: %s" % shown)
    zb.screenshot(d, out, "listing-latest-only.png", 1280)
    d.find_element("id", "latest").click()


def upload(d, master, local_dir):
    name = "123456-EL-RPT-0007_A (IFA) - Site Report.pdf"
    new = os.path.join(local_dir, name)
    with open(new, "wb") as f:
        f.write(b"report, first version")
    answer_dialogs(d)
    reloaded_after(d, lambda: d.find_element("id", "file").send_keys(new), "the page after an upload")
    check(master.file("Docs/" + name) == b"report, first version", "a new file is uploaded")
    check(name in names(d), "and listed")
    check(asked(d) == [], "a new name is uploaded without asking")

    with open(new, "wb") as f:
        f.write(b"report, second version")
    answer_dialogs(d)
    reloaded_after(d, lambda: d.find_element("id", "file").send_keys(new), "the page after a replacement")
    check(master.file("Docs/" + name) == b"report, second version", "the replacement lands")
    check(any("Replace revision A" in a for a in asked(d)), "replacing asks first: %s" % asked(d))

    odd = os.path.join(local_dir, "scan 001.pdf")
    with open(odd, "wb") as f:
        f.write(b"a scan")
    answer_dialogs(d)
    d.find_element("id", "file").send_keys(odd)
    zb.wait_for(lambda: "not a ZDDC document name" in d.find_element("id", "results").text,
                what="the naming warning")
    check(master.file("Docs/scan 001.pdf") == b"a scan", "a name off the convention is kept, with a warning")


def stale_delete(d, master, out):
    d.get(master.url + "/Docs/")
    zb.wait_for(lambda: listing_loaded(d), what="the listing")
    target = "Docs/notes.txt"
    status, _, _ = master.request("PUT", "/Docs/notes.txt", b"changed by someone else")
    check(status == 204, "someone else changes notes.txt behind the page (%d)" % status)
    answer_dialogs(d)
    d.find_element("css selector", 'tr[data-name="notes.txt"] button.del').click()
    zb.wait_for(lambda: "changed by someone else" in message(d), what="the 412 message")
    check(master.file(target) == b"changed by someone else", "a stale delete removes nothing")
    zb.screenshot(d, out, "listing-412.png", 1280)
    d.get(master.url + "/Docs/")
    zb.wait_for(lambda: listing_loaded(d), what="the reloaded listing")
    answer_dialogs(d)
    d.find_element("css selector", 'tr[data-name="notes.txt"] button.del').click()
    zb.wait_for(lambda: master.file(target) is None, what="the delete after a reload")


def make_folder(d, master):
    d.get(master.url + "/Docs/")
    zb.wait_for(lambda: listing_loaded(d), what="the listing")
    answer_dialogs(d, "Site Photos")
    d.find_element("id", "mkdir").click()
    zb.wait_for(lambda: os.path.isdir(os.path.join(master.root, "Docs", "Site Photos")), what="the new folder")
    zb.wait_for(lambda: "Site Photos" in names(d) and listing_loaded(d), what="the page showing the folder")
    check(asked(d) == ["Name of the new folder:"], "New folder asks for the name: %s" % asked(d))
    answer_dialogs(d)
    d.find_element("css selector", 'tr[data-name="Site Photos"] button.del').click()
    zb.wait_for(lambda: not os.path.exists(os.path.join(master.root, "Docs", "Site Photos")),
                what="the empty folder deleted")
    zb.wait_for(lambda: listing_loaded(d) and any("empty folder" in a for a in asked(d)),
                what="the question before deleting a folder")


class EvilSite(http.server.BaseHTTPRequestHandler):
    """Another origin whose page posts a form to the master."""
    target = ""

    def do_GET(self):
        page = ("<form id=f method=post action='%s'><input name=x value=1></form>"
                "<script>document.getElementById('f').submit()</script>" % self.target).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *args):
        pass


def cross_site(d, master):
    EvilSite.target = master.url + "/Docs/"
    evil = http.server.HTTPServer(("127.0.0.1", 0), EvilSite)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        before = sorted(os.listdir(os.path.join(master.root, "Docs")))
        d.get("http://localhost:%d/" % evil.server_port)  # another origin than 127.0.0.1:port
        zb.wait_for(lambda: d.current_url.startswith(master.url), what="the cross-site form landing")
        body = d.find_element("tag name", "body").text
        check("forbidden" in body or "Sign in" in d.page_source, "a cross-site POST is refused: %r" % body[:80])
        check(sorted(os.listdir(os.path.join(master.root, "Docs"))) == before, "and changes nothing")
    finally:
        evil.shutdown()


def sign_out(d, master):
    d.get(master.url + "/Docs/")
    zb.wait_for(lambda: listing_loaded(d), what="the listing")
    d.find_element("css selector", "#session button").click()
    zb.wait_for(lambda: "You are signed out." in d.page_source, what="the signed-out page")
    d.get(master.url + "/Docs/")
    check("Sign in to ZDDC" in d.page_source, "after signing out the listing asks to sign in again")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zddc", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    local = tempfile.mkdtemp(prefix="zddc-uploads-")
    master = zb.Master(args.zddc, FILES)
    d = zb.start_chromium(local)
    try:
        sign_in(d, master)
        zb.screenshot(d, args.out, "listing-signed-in.png", 1280)
        browse_sort_filter(d, args.out)
        upload(d, master, local)
        stale_delete(d, master, args.out)
        make_folder(d, master)
        cross_site(d, master)
        sign_out(d, master)
        d.get(master.url + "/Docs/")
        zb.screenshot(d, args.out, "sign-in-desktop.png", 1280)
        zb.screenshot(d, args.out, "sign-in-phone.png", 412)
    except Exception as e:  # a step that could not run is a failure, with the daemon's log
        failures.append("%s: %s" % (type(e).__name__, e))
        print("FAIL %s: %s" % (type(e).__name__, e))
        print(open(master.log_path, errors="replace").read()[-4000:])
    finally:
        d.quit()
        master.close()
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
