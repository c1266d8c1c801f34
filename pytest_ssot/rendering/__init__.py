"""Turning results into findings and text: the findings projection every output
lists, the human diagnosis, the redirect text, SARIF/JSON/GitHub outputs.

May import domain, source, settings and analysis' result types; never pytest.
"""
