"""json_leaves.py - the parity scripts' comparison of two JSON results:
every number of the reference, found by its path in AVP's."""


def leaves(obj, prefix=''):
    """(path, value) of every scalar in obj: "/HOTA/per_alpha/TP[3]"."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from leaves(v, f'{prefix}/{k}')
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from leaves(v, f'{prefix}[{i}]')
    else:
        yield prefix, obj


def differences(avp, ref, tol, label):
    """Prints and counts the reference's values AVP lacks or misses by more
    than tol (strings must be equal)."""
    got = dict(leaves(avp))
    bad = 0
    for path, want in leaves(ref):
        have = got.get(path)
        if isinstance(want, str):
            ok = have == want
        else:
            ok = isinstance(have, (int, float)) and abs(have - want) <= tol
        if not ok:
            print(f'{label}: {path} avp {have!r} ref {want!r}')
            bad += 1
    return bad
