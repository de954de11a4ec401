#!/usr/bin/python3
"""The document register and the transmittals in headless Chromium against a
master with tokens: sign in, open `/Docs/?register`, see one row per
revision (modifiers after their base, the current revisions marked), filter
`status:IFC`, sort by Rev in ZDDC order, show current revisions only, keep
the view over a reload, fetch every file link (200, the file's bytes),
follow one, open the transmittals and follow a transmittal to its folder.
Screenshots of both pages at desktop and phone width go to --out.

    /usr/bin/python3 tests/browser/register.py --zddc build/dev/src/zddc --out build/dev/screenshots
"""

import argparse
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zddc_browser as zb  # noqa: E402

from zddc_browser import check, failures  # noqa: E402


SPEC = "123456-EL-SPC-2623"
DWG = "123456-EL-DWG-0001"
TRN = "2025-10-31_123456-EL-TRN-0043 (IFC) - Switchgear Package"
ODD = "123456-EL-RPT-0007_A (IFA) - Site #3 100% Caf\u00e9.pdf"  # space, #, %, non-ASCII
FILES = {
    "Docs/%s_A (IFA) - Spec For Switchgear.pdf" % SPEC: "spec rev A",
    "Docs/%s_A+C1 (RSB) - Spec For Switchgear.pdf" % SPEC: "spec A with comments",
    "Docs/%s_B (IFC) - Spec For Switchgear.pdf" % SPEC: "spec rev B",
    "Docs/%s_~C (DFT) - Spec For Switchgear.pdf" % SPEC: "spec draft C",
    "Docs/%s_0 (IFC) - Single Line Diagram.pdf" % DWG: "drawing rev 0",
    "Docs/%s/%s_1 (IFC) - Single Line Diagram.pdf" % (TRN, DWG): "drawing rev 1",
    "Docs/%s/%s_1 (IFC) - Single Line Diagram.dwg" % (TRN, DWG): "drawing rev 1, CAD",
    "Docs/%s/readme.txt" % TRN: "transmittal",
    "Docs/" + ODD: "site report",
    "Docs/notes.txt": "not a controlled document",
}

# Every revision row, in the server's order: tracking number, then revision order.
ROWS = [(DWG, "0"), (DWG, "1"), ("123456-EL-RPT-0007", "A"),
        (SPEC, "A"), (SPEC, "A+C1"), (SPEC, "B"), (SPEC, "~C")]
CURRENT = [(DWG, "1"), ("123456-EL-RPT-0007", "A"), (SPEC, "B")]


def rows(d):
    """The (tracking, rev) of the register rows shown, in page order."""
    return [tuple(r) for r in d.execute_script(
        "return [].slice.call(document.querySelectorAll('#register tbody tr[data-rev]'))"
        ".filter(function(r){return !r.hidden}).map(function(r){return [r.dataset.tracking, r.dataset.rev]})")]


def cell(d, tracking, rev, col):
    return d.execute_script(
        "var a=arguments,r=[].slice.call(document.querySelectorAll('#register tbody tr[data-rev]')).filter("
        "function(r){return r.dataset.tracking===a[0]&&r.dataset.rev===a[1]})[0];"
        "return r?r.cells[a[2]].textContent:null", tracking, rev, col)


def set_filter(d, text):
    d.execute_script("var f=document.getElementById('filter');f.value=arguments[0];"
                     "f.dispatchEvent(new Event('input'))", text)
    return rows(d)


def loaded(d, selector):
    return d.execute_script("return document.readyState==='complete' && !!document.querySelector(arguments[0])",
                            selector)


def open_page(d, url, selector, what):
    d.get(url)
    zb.wait_for(lambda: loaded(d, selector), what=what)


def sign_in(d, master):
    """Signs in through the form the register's URL shows a browser without a session."""
    d.get(master.url + "/Docs/?register")
    if "Sign in to ZDDC" not in d.page_source:
        return  # a server without tokens
    d.find_element("id", "token").send_keys(master.token)
    d.find_element("css selector", "form button").click()
    zb.wait_for(lambda: "Sign in to ZDDC" not in d.page_source and d.execute_script(
        "return document.readyState==='complete'"), what="the page after sign-in")


def fetch_status(d, href):
    """GET `href` from the page, as the browser sends it: [status, text]."""
    return d.execute_async_script(
        "var done=arguments[arguments.length-1];"
        "fetch(arguments[0],{credentials:'same-origin'}).then(function(r){"
        "return r.text().then(function(t){done([r.status,t])})},function(e){done([0,String(e)])})", href)


def register_page(d, master, out):
    open_page(d, master.url + "/Docs/?register", "#register", "the register")
    check(d.title.startswith("Register of /Docs/"), "the title names the register: %r" % d.title)
    check(rows(d) == ROWS, "one row per revision, modifiers after their base: %s" % rows(d))
    current = [tuple(r) for r in d.execute_script(
        "return [].slice.call(document.querySelectorAll('#register tr[data-latest]'))"
        ".map(function(r){return [r.dataset.tracking, r.dataset.rev]})")]
    check(current == CURRENT, "the current revisions are marked: %s" % current)
    check("current" in cell(d, SPEC, "B", 2), "with a badge in the Rev cell")
    mod = d.find_element("css selector", '#register tr[data-tracking="%s"][data-rev="A+C1"]' % SPEC)
    check("mod" in mod.get_attribute("class").split(), "a modifier row is marked as its base's")
    check(d.find_element("id", "count").text == "7 revisions of 3 documents",
          "the count: %r" % d.find_element("id", "count").text)
    trn_cell = cell(d, DWG, "1", 5)
    check(trn_cell == TRN, "the Transmittal column names the folder that brought the files: %r" % trn_cell)
    files = cell(d, DWG, "1", 4)
    check(".pdf" in files and ".dwg" in files, "both formats of a revision in its row: %r" % files)

    links = {a.get_attribute("href"): a.text
             for a in d.find_elements("css selector", "#register td.c-files a, table.unc td.u-name a")}
    check(len(links) == len(FILES), "every file has a link (%d of %d)" % (len(links), len(FILES)))
    for href, text in sorted(links.items()):
        path = urllib.parse.unquote(urllib.parse.urlsplit(href).path)
        status, body = fetch_status(d, href)
        check(status == 200 and body == FILES.get(path.lstrip("/")),
              "%s answers 200 with its bytes (%d)" % (text, status))
    odd = [h for h, t in links.items() if t == ODD]
    check(len(odd) == 1 and odd[0].endswith("Site%20%233%20100%25%20Caf%C3%A9.pdf"),
          "an odd name is linked encoded: %s" % odd)
    reasons = d.find_element("css selector", "table.unc").text
    check("notes.txt" in reasons and "readme.txt" in reasons, "files outside the convention are listed apart")

    hrefs = {a.text: a.get_attribute("href") for a in d.find_elements("css selector", "p.links a")}
    check(hrefs.get("Directory listing") == master.url + "/Docs/", "a link to the listing")
    check(hrefs.get("Transmittals") == master.url + "/Docs/?transmittals", "a link to the transmittals")
    check(hrefs.get("Download CSV") == master.url + "/Docs/?register&format=csv", "a link to the CSV")
    check(hrefs.get("Download ZIP") == master.url + "/Docs/?zip", "a link to the ZIP")
    status, csv = fetch_status(d, hrefs.get("Download CSV", ""))
    check(status == 200 and "tracking,rev,status" in csv, "the CSV answers (%d)" % status)

    zb.screenshot(d, out, "register-desktop.png", 1280)
    zb.screenshot(d, out, "register-phone.png", 412)
    width = d.execute_script("return document.documentElement.scrollWidth")
    check(width <= 412, "nothing runs off-screen at 412 px (scroll width %d)" % width)
    d.set_window_size(1280, 900)


def filter_sort_toggle(d, master, out):
    shown = set_filter(d, "status:IFC")
    statuses = [cell(d, t, r, 3) for t, r in shown]
    check(shown == [(DWG, "0"), (DWG, "1"), (SPEC, "B")] and statuses == ["IFC"] * 3,
          "status:IFC keeps the IFC revisions: %s" % shown)
    check(d.find_element("id", "count").text == "3 of 7 shown", "the count says what is shown")
    shown = set_filter(d, "+spec -rev:~*")
    check(shown == [(SPEC, "A"), (SPEC, "A+C1"), (SPEC, "B")], "+must and -not: %s" % shown)
    shown = set_filter(d, "ext:dwg")
    check(shown == [(DWG, "1")], "ext: looks at every file of a row: %s" % shown)
    set_filter(d, "")

    rev_head = d.find_element("css selector", '#register th[data-col="2"] button')
    rev_head.click()
    order = [r for _, r in rows(d)]
    check(order == ["A", "A", "A+C1", "B", "~C", "0", "1"],
          "Rev sorts in ZDDC order, a modifier with its base: %s" % order)
    th = d.find_element("css selector", '#register th[data-col="2"]')
    check(th.get_attribute("aria-sort") == "ascending", "the sorted header says aria-sort=ascending")
    rev_head.send_keys("\n")  # the keyboard sorts too
    check(th.get_attribute("aria-sort") == "descending", "Enter on the header reverses the order")
    order = [r for _, r in rows(d)]
    check(order == ["1", "0", "~C", "B", "A", "A", "A+C1"],
          "descending keeps each modifier after its base, ties in the server's order: %s" % order)

    d.find_element("id", "latest").click()
    check(sorted(rows(d)) == sorted(CURRENT), "Current revisions only: %s" % rows(d))
    zb.screenshot(d, out, "register-current-only.png", 1280)
    d.set_window_size(1280, 900)
    d.refresh()
    zb.wait_for(lambda: loaded(d, "#register"), what="the register after a reload")
    check(d.find_element("id", "latest").is_selected() and sorted(rows(d)) == sorted(CURRENT)
          and d.find_element("css selector", '#register th[data-col="2"]').get_attribute("aria-sort") == "descending",
          "the view survives a reload")
    d.find_element("id", "latest").click()
    check(len(rows(d)) == len(ROWS), "unticked, every revision again")

    # Following a link: the browser gets the file itself.
    d.find_element("link text", "notes.txt").click()
    zb.wait_for(lambda: "not a controlled document" in d.page_source, what="notes.txt after following its link")
    check(urllib.parse.urlsplit(d.current_url).path == "/Docs/notes.txt", "the link leads to the file")


def transmittals_page(d, master, out):
    open_page(d, master.url + "/Docs/?register", "#register", "the register")
    d.find_element("link text", "Transmittals").click()
    zb.wait_for(lambda: loaded(d, "tr[data-date]"), what="the transmittals")
    check(d.current_url == master.url + "/Docs/?transmittals", "the Transmittals link opens ?transmittals")
    check(d.title.startswith("Transmittals in /Docs/"), "the title: %r" % d.title)
    day = d.find_element("css selector", "tr.dayhead").text
    check(day.startswith("2025-10-31, Friday"), "grouped by date: %r" % day)
    cells = d.execute_script("return [].map.call(document.querySelector('tr[data-date]').cells,"
                             "function(c){return c.textContent})")
    check(cells[:4] == [TRN + "/", "123456-EL-TRN-0043", "IFC", "Switchgear Package"],
          "the transmittal's folder, tracking, status, title: %s" % cells[:4])
    check(cells[4].startswith("1") and cells[5].startswith("3"), "1 document, 3 files: %s" % cells[4:6])
    folder = master.url + "/Docs/" + urllib.parse.quote(TRN, safe="()") + "/"
    zip_href = d.find_element("css selector", "tr[data-date] td.t-zip a").get_attribute("href")
    check(zip_href == folder + "?zip", "a ZIP link for the transmittal: %s" % zip_href)
    shown = d.execute_script("var f=document.getElementById('filter');f.value='status:IFA';"
                             "f.dispatchEvent(new Event('input'));"
                             "return document.querySelectorAll('tr[data-date]:not([hidden])').length")
    check(shown == 0 and d.find_element("css selector", "tbody.day").get_attribute("hidden") is not None,
          "the filter hides a day with nothing shown")
    d.execute_script("var f=document.getElementById('filter');f.value='';f.dispatchEvent(new Event('input'))")
    zb.screenshot(d, out, "transmittals-desktop.png", 1280)
    zb.screenshot(d, out, "transmittals-phone.png", 412)
    width = d.execute_script("return document.documentElement.scrollWidth")
    check(width <= 412, "nothing runs off-screen at 412 px (scroll width %d)" % width)
    d.set_window_size(1280, 900)
    d.find_element("css selector", "tr[data-date] td.t-name a").click()
    zb.wait_for(lambda: loaded(d, 'tr[data-name="readme.txt"]'), what="the transmittal's folder")
    check(d.current_url == folder, "the folder link opens the transmittal's listing: %s" % d.current_url)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zddc", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    master = zb.Master(args.zddc, FILES)
    d = zb.start_chromium(master.dir)
    try:
        sign_in(d, master)
        register_page(d, master, args.out)
        filter_sort_toggle(d, master, args.out)
        transmittals_page(d, master, args.out)
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
