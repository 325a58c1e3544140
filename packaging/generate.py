"""The man page and the bash completion of `ucdhcp`, generated from its argument parser
(ucdhcp.cli.build_parser), so they say what `--help` says:

    python packaging/generate.py man > ucdhcp.1
    python packaging/generate.py bash > ucdhcp.bash
"""

import argparse
import sys
from pathlib import Path

from ucdhcp import __version__
from ucdhcp.cli import COMMANDS, build_parser

FILES = {
    "/etc/ucdhcp/ucdhcp.toml": "the configuration (a conffile of the Debian package)",
    "/lib/systemd/system/ucdhcp.service": "the systemd unit (ExecReload checks the file first)",
    "/usr/lib/sysctl.d/ucdhcp.conf": "net.core.rmem_max = 33554432: the receive buffer a boot"
    " storm needs",
}


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (action,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {name: action.choices[name] for name in COMMANDS}


def options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [action for action in parser._actions if action.help != argparse.SUPPRESS]


def roff(text: str) -> str:
    """Text safe in a roff line: backslashes and hyphens escaped, no leading control dot."""
    escaped = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + escaped if escaped.startswith((".", "'")) else escaped


def invocation(action: argparse.Action) -> str:
    if not action.option_strings:
        return f"\\fI{roff(action.metavar or action.dest)}\\fR"  # type: ignore[arg-type]
    names = ", ".join(f"\\fB{roff(name)}\\fR" for name in action.option_strings)
    if action.nargs == 0:
        return names
    value = action.metavar or (
        "{" + ",".join(map(str, action.choices)) + "}" if action.choices else action.dest.upper()
    )
    return f"{names} \\fI{roff(str(value))}\\fR"


def man_page() -> str:
    parser = build_parser()
    lines = [
        f'.TH UCDHCP 1 "" "ucdhcp {__version__}" "User Commands"',
        ".SH NAME",
        "ucdhcp \\- options\\-only DHCP responder for Microsoft UC (Lync) phones",
        ".SH SYNOPSIS",
        ".B ucdhcp",
        "[\\fB\\-\\-version\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR]",
        ".SH DESCRIPTION",
        roff(parser.description or ""),
        "Each command's options follow; \\fBucdhcp \\fICOMMAND\\fB \\-\\-help\\fR prints the same.",
        ".SH COMMANDS",
    ]
    for name, command in subcommands(parser).items():
        lines += [f".SS {name}", roff(command.description or COMMANDS[name])]
        for action in options(command):
            lines += [".TP", invocation(action), roff(action.help or "")]
    lines += [
        ".SH EXIT STATUS",
        "0: success; 1: runtime failure (port taken, no answer); 2: bad configuration or usage.",
        ".SH FILES",
    ]
    for path, what in FILES.items():
        lines += [".TP", f"\\fI{roff(path)}\\fR", roff(what)]
    lines += [".SH SEE ALSO", "\\fBsystemctl\\fR(1), \\fBjournalctl\\fR(1), /usr/share/doc/ucdhcp/"]
    return "\n".join(lines) + "\n"


def bash_completion() -> str:
    """A completion function: commands, then each command's options; files after options
    that take a path, interfaces after -i, the choices of options that have them."""
    parser = build_parser()
    cases = []
    for name, command in subcommands(parser).items():
        words = " ".join(s for action in options(command) for s in action.option_strings)
        cases.append(f"        {name}) words='{words}' ;;")
    values: list[str] = []
    paths: set[str] = set()
    for command in subcommands(parser).values():
        for action in options(command):
            if action.type is Path or action.metavar == "FILE":
                paths.update(action.option_strings)
            if action.choices and action.option_strings:
                choices = " ".join(map(str, action.choices))
                values.append(f"        {'|'.join(action.option_strings)}) words='{choices}' ;;")
    top = " ".join(["--version", "-h", "--help", *COMMANDS])
    return f"""# bash completion for ucdhcp: from its argument parser (packaging/generate.py)
_ucdhcp() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}} command= word words
    for word in "${{COMP_WORDS[@]:1:COMP_CWORD-1}}"; do
        case $word in {"|".join(COMMANDS)}) command=$word; break ;; esac
    done
    case $prev in
        {"|".join(sorted(paths))}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        -i|--interface)
            COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur"))
            return ;;
    esac
    words=
    case $prev in
{chr(10).join(sorted(set(values)))}
    esac
    if [ -z "$words" ]; then
        case $command in
            "") words='{top}' ;;
{chr(10).join(cases)}
        esac
    fi
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
}}
complete -F _ucdhcp ucdhcp
"""


if __name__ == "__main__":
    kind = sys.argv[1] if len(sys.argv) == 2 else ""
    if kind not in ("man", "bash"):
        sys.exit("usage: generate.py man|bash")
    sys.stdout.write(man_page() if kind == "man" else bash_completion())
