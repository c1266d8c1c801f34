"""The ``ssot`` command (argparse): the checks and the migration tools without pytest.

Sits beside the pytest adapter at the top; nothing imports it.
"""
