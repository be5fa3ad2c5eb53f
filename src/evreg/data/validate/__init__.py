"""Validate a data package: Frictionless schema checks plus the domain checks it cannot express.

``validate_package(path)`` never raises on bad data and never writes: every problem becomes a
:class:`Finding` naming file, CSV line (header = line 1) and field. One check family per module:

- :mod:`.finding`: the Finding type, ``exit_code`` and ``CODES``, the one lookup of every
  finding's stable code, severity and message template (each check module registers its
  own codes; ``evreg validate --help`` lists them);
- :mod:`.files`: the CSV shape (blank lines, rows with too few or too many cells);
- :mod:`.schema`: via frictionless, the descriptor, each Table Schema and every row;
- :mod:`.numbers`: hr and CI in order, CI symmetry and p against the CI within the printed
  rounding; :mod:`.domain`: status, estimate keys, estimates' studies, the studies' counts;
- :mod:`.plan`: analyses, published results and candidates against the other tables;
- :mod:`.certainty`: reviewers' certainty judgements against the plan and the GRADE domains;
- :mod:`.validator`: ``validate_package``, which runs them all in order.
"""

from evreg.data.package import qualifying_estimates
from evreg.data.validate.finding import Finding, exit_code
from evreg.data.validate.numbers import parse_p
from evreg.data.validate.validator import validate_package

__all__ = ["Finding", "validate_package", "qualifying_estimates", "exit_code", "parse_p"]
