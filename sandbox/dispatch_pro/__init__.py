"""Dispatch Pro (ServiceTitan) API simulator: deterministic, dirty-on-purpose data over real HTTP.

See ``README.md`` beside this file; the stable interface is ``generator.counts``, ``generator.technicians``
and the ``/_admin`` endpoints.
"""
