#!/usr/bin/python3
"""The tools' documentation checked against the tools themselves.

  check_cli_docs.py man TOOLS_DIR MAN_DIR        every page lints clean with mandoc -T lint, and
                                                 each page's options are the tool's --help options
                                                 (long and short), no more, no fewer
  check_cli_docs.py completion TOOLS_DIR SCRIPT  bash completion offers, for "TOOL --<TAB>",
                                                 exactly the --help options, and completes the
                                                 values of the options that take a fixed set
"""
import os
import re
import subprocess
import sys

TOOLS = ["llbitmap-examine", "llbitmap-repair", "llbitmap-resync", "llbitmap-undo",
         "llbitmap-create", "llbitmap-sim run", "llbitmap-sim explore",
         "llbitmap-sim scenario"]
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def help_options(tools_dir, tool):
    """{long: short or None} from the tool's --help."""
    argv = tool.split()
    out = subprocess.run([os.path.join(tools_dir, argv[0])] + argv[1:] + ["--help"],
                         capture_output=True, text=True, check=True).stdout
    opts = {}
    for line in out.splitlines():
        m = re.match(r"^  (?:-(\w) \[ )?--([\w-]+)", line)
        if m:
            opts[m.group(2)] = m.group(1)
    if len(opts) < 3:
        fail(f"{tool} --help: found only {sorted(opts)}")
    return opts


def man_options(text, section):
    """{long: short or None} from the tagged paragraphs of one OPTIONS section of a page."""
    body = re.split(r"^\.SH ", text, flags=re.M)
    sec = [b for b in body if b.startswith(section + "\n")]
    if not sec:
        return None
    opts = {}
    lines = sec[0].splitlines()
    for i, line in enumerate(lines):
        if line == ".TP" and i + 1 < len(lines):
            tag = lines[i + 1].replace("\\-", "-")
            m = re.match(r'^\.B[IR]? +(?:-(\w) ", " )?--([\w-]+)', tag)
            if not m:
                fail(f"{section}: tag line {lines[i + 1]!r} names no option")
                continue
            opts[m.group(2)] = m.group(1)
    return opts


def check_man(tools_dir, man_dir):
    pages = sorted(p for p in os.listdir(man_dir) if re.search(r"\.[38]$", p))
    if len(pages) < 7:
        fail(f"{man_dir}: {len(pages)} pages, expected the six tools' and libllbitmap(3)")
    for page in pages:
        r = subprocess.run(["mandoc", "-T", "lint", "-W", "style", os.path.join(man_dir, page)],
                           capture_output=True, text=True)
        if r.returncode != 0 or r.stdout.strip() or r.stderr.strip():
            fail(f"mandoc -T lint {page}:\n{r.stdout}{r.stderr}")
        text = open(os.path.join(man_dir, page)).read()
        for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "SEE ALSO"):
            if not re.search(rf"^\.SH {section}$", text, flags=re.M):
                fail(f"{page}: no {section} section")
        if page.endswith(".8"):
            for section in ("EXIT STATUS", "EXAMPLES"):
                if not re.search(rf"^\.SH {section}$", text, flags=re.M):
                    fail(f"{page}: no {section} section")
    for tool in TOOLS:
        argv = tool.split()
        text = open(os.path.join(man_dir, argv[0] + ".8")).read()
        section = "OPTIONS" if len(argv) == 1 else "OPTIONS OF " + argv[1].upper()
        documented = man_options(text, section)
        if documented is None:
            fail(f"{argv[0]}.8: no section {section}")
            continue
        actual = help_options(tools_dir, tool)
        if documented != actual:
            missing = sorted(set(actual) - set(documented))
            extra = sorted(set(documented) - set(actual))
            shorts = sorted(k for k in set(actual) & set(documented) if actual[k] != documented[k])
            fail(f"{tool}: the man page and --help disagree: not in the page {missing}, "
                 f"not in --help {extra}, short forms differ for {shorts}")
        else:
            print(f"ok: {tool}: {len(actual)} options, page and --help agree")


def complete(script, words):
    """What the completion function offers for the command line `words` (the last one being
    completed)."""
    quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    cmd = (f"source '{script}'; COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; "
           f"COMP_LINE=\"${{COMP_WORDS[*]}}\"; _llbitmap; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
    out = subprocess.run(["bash", "--norc", "-c", cmd], capture_output=True, text=True, check=True)
    return set(line for line in out.stdout.splitlines() if line)


def check_completion(tools_dir, script):
    for tool in TOOLS:
        argv = tool.split()
        offered = complete(script, argv + ["--"])
        actual = {"--" + o for o in help_options(tools_dir, tool)}
        if offered != actual:
            fail(f"{tool} --<TAB>: offers {sorted(offered - actual)} not in --help, misses "
                 f"{sorted(actual - offered)}")
        else:
            print(f"ok: {tool} --<TAB>: {len(offered)} options")
    cases = [
        (["llbitmap-examine", "--layout", ""], {"auto", "upstream", "rfc"}),
        (["llbitmap-create", "--layout", ""], {"upstream", "rfc"}),
        (["llbitmap-resync", "--progress", "j"], {"json"}),
        (["llbitmap-sim", ""], {"run", "explore", "scenario", "--help", "--version"}),
        (["llbitmap-sim", "explore", "--kernel", "upstream-"], {"upstream-patched"}),
        (["llbitmap-repair", "--re"], {"--repair"}),
    ]
    for words, want in cases:
        got = complete(script, words)
        if got != want:
            fail(f"completing {words}: {sorted(got)}, expected {sorted(want)}")
        else:
            print(f"ok: {' '.join(words)}<TAB> -> {' '.join(sorted(got))}")


if __name__ == "__main__":
    mode, tools_dir, where = sys.argv[1:4]
    if mode == "man":
        check_man(tools_dir, where)
    elif mode == "completion":
        check_completion(tools_dir, where)
    else:
        sys.exit(f"unknown mode {mode!r}")
    sys.exit(1 if failures else 0)
