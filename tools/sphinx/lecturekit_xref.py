"""Sphinx extension: cross-references to lecturekit names that need no module.

Every public name of lecturekit is importable from the package itself
(``lecturekit.KernelTransport``) but documented in its module
(``lecturekit.transport.KernelTransport``, see book/api.md). With this
extension, under ``--nitpick``,

* ``lecturekit.NAME`` (and ``lecturekit.NAME.attr``) resolves to the entry of
  the module that defines NAME, e.g. :class:`lecturekit.KernelTransport`;
* a bare name that is not found in the current module, e.g. :class:`Kernel`
  in the docstring of ``lecturekit.mmd``, resolves if exactly one documented
  lecturekit object has that name (as names in numpydoc type fields already do).
"""

import importlib


def _documented_target(target):
    parts = target.split(".")
    if len(parts) < 2 or parts[0] != "lecturekit":
        return None
    try:
        package = importlib.import_module("lecturekit")
    except ImportError:
        return None
    obj = getattr(package, parts[1], None)
    module = getattr(obj, "__module__", None)
    if not module or not module.startswith("lecturekit.") or module == "lecturekit":
        return None
    return ".".join([module, *parts[1:]])


def _missing_reference(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    domain = env.get_domain("py")
    target = node.get("reftarget", "")
    reftype = node.get("reftype")
    new_target = _documented_target(target)
    if new_target is not None:
        return domain.resolve_xref(env, node.get("refdoc"), app.builder, reftype, new_target, node, contnode)
    if target.startswith("lecturekit.") or not target or target.startswith("."):
        return None
    # a unique lecturekit object whose name ends with ".target"
    matches = domain.find_obj(
        env, node.get("py:module"), node.get("py:class"), target, reftype, 1
    )
    matches = [(name, obj) for name, obj in matches if name.startswith("lecturekit.")]
    if len(matches) != 1:
        return None
    return domain.resolve_xref(env, node.get("refdoc"), app.builder, reftype, matches[0][0], node, contnode)


def setup(app):
    app.connect("missing-reference", _missing_reference)
    return {"version": "1.1", "parallel_read_safe": True, "parallel_write_safe": True}
