"""Let mutmut mutate the bodies of decorated functions (a mutation-only edit).

mutmut 3 skips every decorated function, so the lines of a ``fit`` wrapped in
scikit-learn's ``@_fit_context`` (or a function under ``@validate_params``)
are never mutated. Run this in a throw-away worktree, never on ``main``: it
moves each such body into an undecorated twin ``_mut_<name>`` that the
decorated function calls with the same arguments, so the decorator keeps its
job and mutmut mutates the body::

    git worktree add /tmp/mut main && cd /tmp/mut
    python tools/mutation_unwrap.py skvariance/weighting/_rlearner.py fit
    mutmut run "skvariance.weighting._rlearner.xǁRLearnerǁ_mut_fit*"

Without names, every decorated function but properties, static/class/abstract
methods, dataclasses, context managers and numba kernels is unwrapped. The
body runs one frame deeper: a test of a warning's ``stacklevel`` fails in the
unwrapped tree and is deselected there.
"""

import ast
import sys

SKIP = (
    "property",
    "staticmethod",
    "abstractmethod",
    "classmethod",
    "dataclass",
    "overload",
    "kernel",
    "contextmanager",
)


def _call_args(args, skip_self):
    positional = args.posonlyargs + args.args
    if skip_self:
        positional = positional[1:]
    parts = [a.arg for a in positional]
    if args.vararg:
        parts.append("*" + args.vararg.arg)
    parts += [f"{a.arg}={a.arg}" for a in args.kwonlyargs]
    if args.kwarg:
        parts.append("**" + args.kwarg.arg)
    return ", ".join(parts)


def _is_docstring(node):
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def unwrap(source, names=()):
    """Return ``source`` with the decorated functions' bodies moved out."""
    lines = source.splitlines(keepends=True)
    edits = []
    for parent in ast.walk(ast.parse(source)):
        if not isinstance(parent, (ast.Module, ast.ClassDef)):
            continue  # module-level functions and methods only
        for node in parent.body:
            if not isinstance(node, ast.FunctionDef) or not node.decorator_list:
                continue
            decorators = [ast.unparse(d) for d in node.decorator_list]
            if any(d.startswith(SKIP) or ".setter" in d for d in decorators):
                continue
            if names and node.name not in names:
                continue
            in_class = isinstance(parent, ast.ClassDef)
            has_doc = _is_docstring(node.body[0])
            first = node.body[1] if has_doc else node.body[0]
            header = lines[node.lineno - 1 : node.body[0].lineno - 1]
            indent = " " * node.body[0].col_offset
            twin = f"_mut_{node.name}"
            target = f"self.{twin}" if in_class else twin
            wrapper = list(header)
            if has_doc:
                wrapper += lines[node.body[0].lineno - 1 : node.body[0].end_lineno]
            call = _call_args(node.args, in_class)
            wrapper.append(f"{indent}return {target}({call})\n\n")
            twin_header = "".join(header).replace(
                f"def {node.name}(", f"def {twin}(", 1
            )
            moved = [twin_header] + lines[first.lineno - 1 : node.end_lineno]
            edits.append((node.lineno - 1, node.end_lineno, wrapper + moved))
    for start, end, replacement in sorted(edits, reverse=True):
        lines[start:end] = replacement
    out = "".join(lines)
    ast.parse(out)
    return out, len(edits)


if __name__ == "__main__":
    path, names = sys.argv[1], set(sys.argv[2:])
    with open(path) as f:
        new, count = unwrap(f.read(), names)
    with open(path, "w") as f:
        f.write(new)
    print(f"{path}: {count} function(s) unwrapped")
