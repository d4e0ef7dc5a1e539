"""The examples in the criteria docstrings are correct."""

import doctest

import pytest

from connectograph.criteria import conditions, neuron_criteria, regex, synapse_criteria, values


@pytest.mark.parametrize("module", [conditions, neuron_criteria, synapse_criteria, regex,
                                    values],
                         ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
