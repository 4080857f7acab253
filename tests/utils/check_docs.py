"""Fast local check that every module's DOCUMENTATION, EXAMPLES and RETURN parse as YAML."""
import ast
import glob
import sys

import yaml

bad = 0
for path in sorted(glob.glob("plugins/modules/*.py")):
    tree = ast.parse(open(path).read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id in ("DOCUMENTATION", "EXAMPLES", "RETURN"):
            try:
                yaml.safe_load(node.value.value)
            except yaml.YAMLError as exc:
                bad += 1
                print("%s %s: %s" % (path, node.targets[0].id, exc))
sys.exit(1 if bad else 0)
