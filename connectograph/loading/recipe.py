"""Loader recipes: declarative descriptions of a source layout, validated with pydantic.

A recipe is a TOML file (``loaders/*.toml`` ships the project's own) that says
which file holds which canonical table, how its columns map onto neuPrint
names, and the dataset's name, version, units and neuron rule. The engine
(:mod:`connectograph.loading.engine`) runs it.

Checking a recipe (:func:`check_recipe`) finds missing files and columns before
anything is written, and names the recipe, the file and the column.
"""

from __future__ import annotations

import os
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError as PydanticValidationError

from ..errors import InvalidIdentifierError, RecipeError, ValidationError
from ..identifiers import DatasetName
from .read.canonical_table import INT64_MAX, INT64_MIN
from .read.names import check_name
from .read.source_files import read_header

#: Canonical neuron columns with a meaning in the neuPrint model; any other
#: mapped column is kept as an extra neuron property (notes, class, ...).
NEURON_COLUMNS = ("bodyId", "type", "instance", "status", "statusLabel", "cropped", "pre",
                  "post", "upstream", "downstream", "size", "somaLocation", "somaRadius",
                  "cellBodyFiber", "roiInfo")
ROI_CONNECTION_COLUMNS = ("bodyId_pre", "bodyId_post", "roi", "weight")
#: Columns of a gap-junction table: the two bodies (order carries no
#: meaning) and the number of gap junctions between them.
GAP_JUNCTION_COLUMNS = ("bodyId_a", "bodyId_b", "weight")
#: Required columns of each synapse source kind (canonical names; map others
#: onto them with ``columns``). ``roi*`` and ``confidence*`` columns are optional.
SYNAPSE_COLUMNS = {
    "synapse_connections": ("bodyId_pre", "bodyId_post", "x_pre", "y_pre", "z_pre",
                            "x_post", "y_post", "z_post"),
    "connectors": ("type", "x", "y", "z"),
    # the body: a bodyId column, else the source's bodyId, else the file name
    "points": ("id", "type", "x", "y", "z"),
}
SYNAPSE_PARTNER_COLUMNS = ("pre_id", "post_id")
#: Synapse keys the loader itself sets: a recipe's synapse properties may not
#: take these names (``location`` is the point; ROI flags are the ROI names).
RESERVED_SYNAPSE_PROPERTIES = ("synapseId", "bodyId", "type", "confidence", "location", "roi")
#: neuPrint's per-synapse transmitter probabilities: ``nt<Transmitter>Prob``
#: on the T-bar (``ntAcetylcholineProb``, ``ntGabaProb``...), as
#: ``Meta.ntSynapseProperties`` lists them and neuprint-python reads them.
NT_PROBABILITY_PROPERTY = r"nt[A-Z][A-Za-z0-9]*Prob"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatasetSection(_Strict):
    """``[dataset]``: what the load is called and its units."""

    name: str = Field(description="dataset name, e.g. 'hemibrain-mb'")
    tag: str = Field("", description="version tag, e.g. 'v1.2.1' (a [[series]] recipe gives "
                     "one per member instead)")
    description: str = ""
    data_dir: str = Field(".", description="folder the file paths are relative to; relative "
                          "paths are looked up from the current folder, then the repository")
    voxel_size: float = Field(8.0, description="edge of one voxel, in voxel_units")
    voxel_units: str = "nanometers"
    post_high_accuracy_threshold: float = 0.0
    status_definitions: dict[str, str] = Field(default_factory=dict)
    citation: str = ""
    indexes: list[str] = Field(
        default_factory=list, description="neuron properties users filter by, indexed on "
        "Segment and Neuron besides bodyId, type, instance, status and the ROI flags, e.g. "
        "['predictedNt', 'class']")


class NeuronRule(_Strict):
    """``[neuron_rule]``: which segments also get the ``:Neuron`` label.

    neuPrint's rule: a body is a Neuron if it has at least ``min_pre`` T-bars or
    at least ``min_post`` PSDs, or a soma, or a type/instance, or a status.
    """

    min_pre: int = 2
    min_post: int = 10
    soma: bool = True
    named: bool = True
    with_status: bool = True
    listed: bool = Field(False, description="every body a [[neurons]] table lists is a Neuron "
                         "(for sources whose neuron tables list neurons only)")


class TableSource(_Strict):
    """One source file mapped onto a canonical table.

    ``columns`` maps canonical name → source column; source columns not named
    there keep their own name unless listed in ``drop``. ``keep_unmapped =
    false`` keeps only the canonical columns (mapped, or already so named).
    ``values`` maps a column's source texts onto the names the graph uses
    (per column, after renaming; other texts stay as they are), ``constants``
    adds columns with one value on every row. A CSV file may be gzipped
    (``.csv.gz``).
    """

    file: str
    format: Literal["csv", "parquet", "xlsx"] = "csv"
    columns: dict[str, str] = Field(default_factory=dict)
    drop: list[str] = Field(default_factory=list)
    keep_unmapped: bool = True
    where: dict[str, str] = Field(
        default_factory=dict, description="keep only the rows whose source column holds this "
        "text, e.g. type = 'chemical' in an edge list of several synapse kinds")
    body_names: bool = Field(
        False, description="the body columns (bodyId, bodyId_pre...) hold neuron names, not "
        "integers: bodyIds are minted from the names (connectograph.loading.read.body_names) "
        "and a neuron table keeps the name as instance")
    type_rule: Literal["symmetry-suffixes"] | None = Field(
        None, description="neuron tables: the type of each body derived from its instance "
        "(connectograph.loading.read.type_rules); a mapped type column wins")
    rows: Literal["all", "connected"] = Field(
        "all", description="neuron tables: 'connected' keeps only the bodies that a connection "
        "or gap-junction table of this dataset names (a species-wide cell table)")
    malformed_rows: Literal["error", "skip"] = Field(
        "error", description="CSV rows with more or fewer cells than the header: an error "
        "naming file and line, or left out and each listed in the load summary")
    values: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="per column (graph name), source text -> text "
        "stored, e.g. predictedNt = { ACH = 'acetylcholine' }")
    constants: dict[str, str | int | float | bool] = Field(
        default_factory=dict, description="columns with one value on every row, e.g. "
        "roi = 'NotPrimary' for connections summed over the whole brain")
    version: str = ""
    description: str = ""


class UnlistedBodies(_Strict):
    """One ``[[unlisted_bodies]]`` rule: properties for the bodies that no
    neuron table lists (named in connection tables only), chosen by a
    regular expression on their ``instance`` (their name, with
    ``body_names``), e.g. ``pattern = '^BWM-'`` gives ``class = "body wall
    muscle"``. The first matching rule wins."""

    pattern: str
    properties: dict[str, str | int | float | bool]


class SeriesMember(_Strict):
    """One ``[[series]]`` entry: a dataset the recipe makes (its tag), the
    files it reads (``files`` fills ``{key}`` in the tables' file names) and
    extra ``:Meta`` properties (e.g. ``stage = "L1"``)."""

    tag: str
    description: str = ""
    files: dict[str, str] = Field(default_factory=dict)
    meta: dict[str, str | int | float | bool] = Field(default_factory=dict)


class RoiSection(_Strict):
    """``[rois]``: neuPrint's roiInfo JSON (per ROI: isPrimary, parent, description)
    and hierarchy JSON (``{"name":..., "children":[...]}``)."""

    info: str
    hierarchy: str
    meshes: str | None = Field(
        None, description="folder of '<roi name>.obj' surface meshes in the dataset's voxel "
        "space; synapses without an ROI are assigned to the meshes that contain them")


class SkeletonSource(_Strict):
    """One ``[[skeletons]]`` source: a folder of ``<bodyId>.swc`` files, or one
    file (SWC, or neuprint-python's skeleton CSV ``rowId,x,y,z,radius,link``)."""

    folder: str | None = None
    file: str | None = None
    format: Literal["swc", "neuprint-csv"] = "swc"
    bodyId: int | None = Field(None, ge=INT64_MIN, le=INT64_MAX,
                               description="body of a single file (default: file name)")
    version: str = ""
    description: str = ""


class SynapseTransmitter(_Strict):
    """``[synapses.transmitter]``: a per-synapse transmitter prediction given
    as two columns, the transmitter's name and its probability, stored on the
    T-bar under neuPrint's per-transmitter property (``properties`` maps each
    name the source uses onto it, e.g. ``gaba = "ntGabaProb"``). The other
    transmitters' probabilities are unknown and stay unset."""

    transmitter: str = Field(description="source column naming the predicted transmitter")
    probability: str = Field(description="source column with its probability, in [0, 1]")
    properties: dict[str, str] = Field(
        description="transmitter text -> T-bar property, e.g. acetylcholine = "
        "'ntAcetylcholineProb'")


class SynapseSource(_Strict):
    """One ``[[synapses]]`` source: synapse points, with or without partners.

    ``kind`` says what the rows are:

    ``"synapse_connections"``
        neuprint-python's ``fetch_synapse_connections`` output: one row per
        (T-bar, PSD) pair with ``bodyId_pre, bodyId_post, roi_pre, roi_post,
        x_pre, y_pre, z_pre, x_post, y_post, z_post, confidence_pre,
        confidence_post``. No synapse ids: a T-bar with several PSDs appears in
        several rows; ids are minted from body, type and location.
    ``"connectors"``
        CATMAID/navis connector tables (``connector_id, node_id, type, x, y, z,
        roi, confidence``) of one body each: points without partners. ``type``
        is ``pre``/``post`` or CATMAID's relation number (0 presynaptic, 1
        postsynaptic). The body is the ``bodyId`` column, else ``bodyId`` here,
        else the file name (``<bodyId>.csv``).
    ``"points"``
        the canonical point table with explicit ids (``id, bodyId, type, x, y, z,
        confidence, roi``); partners come from ``[[synapse_partners]]``.
    """

    kind: Literal["synapse_connections", "connectors", "points"]
    file: str | None = None
    folder: str | None = None
    format: Literal["csv", "parquet"] = "csv"
    columns: dict[str, str] = Field(default_factory=dict)
    bodyId: int | None = Field(None, ge=INT64_MIN, le=INT64_MAX)
    unknown_bodies: Literal["error", "add"] = Field(
        "error", description="bodies that no neuron or connection table lists: reject the "
        "load ('error') or add them as bare Segments and say so in the summary ('add')")
    pre_properties: dict[str, str] = Field(
        default_factory=dict, description="T-bar property -> source column of numbers "
        "(kind 'synapse_connections'), e.g. ntGabaProb = 'gaba_prob'; neuPrint's nt*Prob "
        "names must hold probabilities in [0, 1]")
    transmitter: SynapseTransmitter | None = None
    version: str = ""
    description: str = ""

    def property_names(self) -> list[str]:
        """The T-bar properties this source sets, sorted."""
        names = set(self.pre_properties)
        if self.transmitter is not None:
            names |= set(self.transmitter.properties.values())
        return sorted(names)

    def paths(self, recipe: "Recipe") -> list[Path]:
        """The files of this source (a folder's ``*.csv``/``*.parquet``, sorted)."""
        if self.folder:
            suffix = ".parquet" if self.format == "parquet" else ".csv"
            return sorted(recipe.path(self.folder).glob("*" + suffix))
        return [recipe.path(self.file)]


class SynapsePartnerSource(_Strict):
    """One ``[[synapse_partners]]`` source: ``pre_id, post_id`` pairs of synapse
    ids given by ``kind = "points"`` sources (neuPrint's own loader layout)."""

    file: str
    format: Literal["csv", "parquet"] = "csv"
    columns: dict[str, str] = Field(default_factory=dict)
    version: str = ""
    description: str = ""


class Recipe(_Strict):
    """A whole recipe (see module docstring)."""

    dataset: DatasetSection
    neuron_rule: NeuronRule = Field(default_factory=NeuronRule)
    rois: RoiSection | None = None
    neurons: list[TableSource] = Field(default_factory=list,
                                       description="neuron tables, highest precedence first")
    roi_connections: list[TableSource] = Field(
        default_factory=list, description="neuron-to-neuron per-ROI weight tables "
        "(bodyId_pre, bodyId_post, roi, weight), highest precedence first")
    skeletons: list[SkeletonSource] = Field(
        default_factory=list, description="skeleton sources, highest precedence first")
    synapses: list[SynapseSource] = Field(
        default_factory=list, description="synapse sources, highest precedence first")
    synapse_partners: list[SynapsePartnerSource] = Field(default_factory=list)
    gap_junctions: list[TableSource] = Field(
        default_factory=list, description="electrical synapses (bodyId_a, bodyId_b, weight), "
        "one row per unordered pair, highest precedence first")
    unlisted_bodies: list[UnlistedBodies] = Field(default_factory=list)
    series: list[SeriesMember] = Field(
        default_factory=list, description="several datasets from one recipe, one per entry "
        "(e.g. the animals of a developmental series); a load picks one by its tag")

    # set by load_recipe
    source: str = ""
    base_dir: Path = Path(".")

    @property
    def dataset_name(self) -> DatasetName:
        return DatasetName(self.dataset.name, self.dataset.tag)

    def path(self, relative: str) -> Path:
        return self.base_dir / relative


def bundled_recipes() -> dict[str, str]:
    """Names of the recipes shipped in the package (``loaders/*.toml``)."""
    root = resources.files("connectograph.recipes")
    return {p.name[:-5]: p.name for p in root.iterdir() if p.name.endswith(".toml")}


def _repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def _resolve_data_dir(data_dir: str, recipe_dir: Path | None) -> Path:
    candidates = [Path(os.environ["CONNECTOGRAPH_DATA_DIR"])] if os.environ.get(
        "CONNECTOGRAPH_DATA_DIR") else []
    p = Path(data_dir).expanduser()
    if os.environ.get("CONNECTOGRAPH_DATASETS"):
        # a folder of dataset folders (as shared/datasets): the one named as data_dir's last part
        candidates.append(Path(os.environ["CONNECTOGRAPH_DATASETS"]) / p.name)
    if p.is_absolute():
        candidates.append(p)
    else:
        candidates += [Path.cwd() / p, _repo_root() / p]
        if recipe_dir is not None:
            candidates.append(recipe_dir / p)
    for c in candidates:
        if c.is_dir():
            return c.resolve()
    return candidates[0]


def _recipe_text(recipe: str | os.PathLike) -> tuple[str, str, Path | None]:
    """A recipe's TOML text, how to name it in messages, and its folder
    (None for a bundled recipe)."""
    path = Path(recipe)
    if path.suffix == ".toml" and path.exists():
        return path.read_text(), str(path), path.resolve().parent
    if str(recipe) in bundled_recipes():
        res = resources.files("connectograph.recipes").joinpath(bundled_recipes()[str(recipe)])
        return res.read_text(), f"{recipe} (bundled)", None
    raise RecipeError(f"recipe {recipe!r} is neither a .toml file nor a bundled recipe "
                      f"({', '.join(sorted(bundled_recipes())) or 'none'})")


def _parse(text: str, source: str) -> Recipe:
    """A recipe's TOML text validated by :class:`Recipe`."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise RecipeError(f"recipe {source}: invalid TOML: {err}") from None
    try:
        return Recipe.model_validate(raw)
    except PydanticValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
        raise RecipeError(f"recipe {source}: {problems}") from None


def load_recipe(recipe: str | os.PathLike, *, dataset: str | None = None,
                data_dir: str | os.PathLike | None = None) -> Recipe:
    """Read and validate a recipe.

    Parameters
    ----------
    recipe : str or path
        A TOML file, or the name of a bundled recipe (e.g. ``"hemibrain-mb"``).
    dataset : str, optional
        ``name:tag`` overriding the recipe's.
    data_dir : path, optional
        Folder of the source files, overriding the recipe's ``data_dir``
        (also settable with ``$CONNECTOGRAPH_DATA_DIR``).

    Raises
    ------
    RecipeError
        Unknown recipe, TOML syntax error or a schema violation (the message
        names the recipe and the offending key).
    """
    text, source, recipe_dir = _recipe_text(recipe)
    parsed = _parse(text, source)
    if parsed.series:
        _choose_member(parsed, source, dataset)
    elif not parsed.dataset.tag and dataset is None:
        raise RecipeError(f"recipe {source}: dataset.tag: missing; give [dataset] tag (e.g. "
                          "'v1'), or one [[series]] entry per dataset, each with its tag")
    try:
        ds = DatasetName.parse(dataset if dataset is not None
                               else f"{parsed.dataset.name}:{parsed.dataset.tag}")
    except InvalidIdentifierError as err:
        raise RecipeError(f"recipe {source}: [dataset] {err}") from None
    parsed.dataset.name, parsed.dataset.tag = ds.name, ds.tag
    parsed.source = source
    parsed.base_dir = (Path(data_dir).resolve() if data_dir is not None
                       else _resolve_data_dir(parsed.dataset.data_dir, recipe_dir))
    return parsed


def recipe_datasets(recipe: str | os.PathLike) -> list[str]:
    """The datasets (``name:tag``) a recipe makes: one, or one per
    ``[[series]]`` member, in the recipe's order.

    Raises
    ------
    RecipeError
        As :func:`load_recipe`.
    """
    text, source, _ = _recipe_text(recipe)
    parsed = _parse(text, source)
    if not parsed.series:
        return [str(load_recipe(recipe).dataset_name)]
    return [f"{parsed.dataset.name}:{m.tag}" for m in parsed.series]


def _choose_member(parsed: Recipe, source: str, dataset: str | None) -> None:
    """Make a ``[[series]]`` recipe the recipe of one member: the one whose tag
    ``dataset`` names; its ``files`` fill the tables' ``{key}`` file names,
    and only it stays in ``series`` (so its fingerprint covers it alone)."""
    tags = [m.tag for m in parsed.series]
    if dataset is None:
        raise RecipeError(
            f"recipe {source} makes {len(tags)} datasets ({', '.join(tags)}): choose one, e.g. "
            f"dataset='{parsed.dataset.name}:{tags[0]}' (the CLI's `connectograph load` loads "
            "them all)")
    tag = dataset.rpartition(":")[2]
    member = next((m for m in parsed.series if m.tag == tag), None)
    if member is None:
        raise RecipeError(f"recipe {source}: no [[series]] member has the tag {tag!r}; its "
                          f"tags are {', '.join(tags)}")
    parsed.dataset.tag = member.tag
    if member.description:
        parsed.dataset.description = member.description
    for src in (parsed.neurons + parsed.roi_connections + parsed.gap_junctions):
        try:
            src.file = src.file.format(**member.files)
        except (KeyError, IndexError, ValueError) as err:
            raise RecipeError(f"recipe {source}: file name {src.file!r} needs {err} from the "
                              f"[[series]] member {tag!r}'s 'files'") from None
    parsed.series = [member]


def _header(recipe: Recipe, section: str, path: Path, fmt: str) -> list[str]:
    """:func:`~.read.source_files.read_header`, its ValidationError raised as
    a RecipeError naming the recipe and the section."""
    try:
        return read_header(path, fmt)
    except ValidationError as err:
        raise RecipeError(f"recipe {recipe.source}, [[{section}]]: {err}", file=err.file,
                          row=err.row, column=err.column) from None


def checked_recipe(recipe: str | os.PathLike | Recipe, *, dataset: str | None = None,
                   data_dir: str | os.PathLike | None = None) -> Recipe:
    """A recipe file or bundled name read (:func:`load_recipe`, with ``dataset``
    and ``data_dir`` overrides), or an already parsed recipe, then checked
    (:func:`check_recipe`): what every load path starts from.

    Raises
    ------
    RecipeError
        As :func:`load_recipe` and :func:`check_recipe`.
    """
    if not isinstance(recipe, Recipe):
        recipe = load_recipe(recipe, dataset=dataset, data_dir=data_dir)
    check_recipe(recipe)
    return recipe


def check_recipe(recipe: Recipe) -> None:
    """Check that every file the recipe names exists and has the mapped columns.

    Raises
    ------
    RecipeError
        Naming the recipe, the file and the missing column.
    """
    if not recipe.base_dir.is_dir():
        raise RecipeError(f"recipe {recipe.source}: data folder {recipe.base_dir} does not exist; "
                          "pass --data-dir or set CONNECTOGRAPH_DATA_DIR")
    groups = (("neurons", recipe.neurons, ("bodyId",)),
              ("roi_connections", recipe.roi_connections, ROI_CONNECTION_COLUMNS),
              ("gap_junctions", recipe.gap_junctions, GAP_JUNCTION_COLUMNS))
    for section, sources, required in groups:
        for src in sources:
            path = recipe.path(src.file)
            if not path.is_file():
                raise RecipeError(f"recipe {recipe.source}, [[{section}]]: file {path} does not exist")
            header = _check_columns(recipe, section, path, src.format, src.columns, required,
                                    constants=src.constants)
            _check_constants_and_values(recipe, section, path, src, header)
    for src in recipe.skeletons:
        if (src.folder is None) == (src.file is None):
            raise RecipeError(f"recipe {recipe.source}, [[skeletons]]: give exactly one of "
                              "'folder' or 'file'")
        path = recipe.path(src.folder or src.file)
        if not (path.is_dir() if src.folder else path.is_file()):
            raise RecipeError(f"recipe {recipe.source}, [[skeletons]]: {path} does not exist")
    if recipe.rois is not None:
        for key in ("info", "hierarchy"):
            path = recipe.path(getattr(recipe.rois, key))
            if not path.is_file():
                raise RecipeError(f"recipe {recipe.source}, [rois] {key}: file {path} does not exist")
        if recipe.rois.meshes is not None and not recipe.path(recipe.rois.meshes).is_dir():
            raise RecipeError(f"recipe {recipe.source}, [rois] meshes: folder "
                              f"{recipe.path(recipe.rois.meshes)} does not exist")
    _check_synapse_sources(recipe)
    _check_names_and_patterns(recipe)


def _check_names_and_patterns(recipe: Recipe) -> None:
    """``[[unlisted_bodies]]`` patterns must compile, and the property names
    they and ``[[series]]`` add must be names a query can splice."""
    for k, rule in enumerate(recipe.unlisted_bodies, start=1):
        try:
            re.compile(rule.pattern)
        except re.error as err:
            raise RecipeError(f"recipe {recipe.source}, [[unlisted_bodies]] #{k}: pattern "
                              f"{rule.pattern!r} is not a regular expression ({err})") from None
        for name in rule.properties:
            _recipe_name(recipe, name, f"[[unlisted_bodies]] #{k} property")
    for member in recipe.series:
        for name in member.meta:
            _recipe_name(recipe, name, f"[[series]] {member.tag!r} meta key")


def _recipe_name(recipe: Recipe, name: str, what: str) -> None:
    """:func:`~.read.names.check_name` (the loader's one rule for names spliced
    into queries) for a name the recipe itself gives, as a RecipeError."""
    try:
        check_name(name, what, file=recipe.source)
    except ValidationError as err:
        raise RecipeError(f"recipe {recipe.source}: {err}") from None


def _check_columns(recipe: Recipe, section: str, path: Path, fmt: str,
                   columns: dict[str, str], required: tuple[str, ...],
                   constants: dict | None = None) -> list[str]:
    """Check that the file has every mapped and every required column (a
    required one may instead be among ``constants``, for the sections that
    take them); return the file's header."""
    header = _header(recipe, section, path, fmt)
    for canonical, column in columns.items():
        if column not in header:
            raise RecipeError(
                f"recipe {recipe.source}, [[{section}]] file {path}: column {column!r} "
                f"(mapped to {canonical!r}) does not exist; columns are {header}")
    fix = "map it in 'columns'" + (", or give it in 'constants'" if constants is not None else "")
    for canonical in required:
        if canonical not in (constants or {}) and columns.get(canonical, canonical) not in header:
            raise RecipeError(
                f"recipe {recipe.source}, [[{section}]] file {path}: required column "
                f"{canonical!r} is missing ({fix}); columns are {header}")
    return header


def _check_constants_and_values(recipe: Recipe, section: str, path: Path, src: TableSource,
                                header: list[str]) -> None:
    """A constant must not shadow a column of the file; ``values`` must name
    a column the table has, ``where`` a column of the file; the neuron-table
    and CSV-only settings only where they apply."""
    for column in src.where:
        if column not in header:
            raise RecipeError(
                f"recipe {recipe.source}, [[{section}]] file {path}: 'where' names column "
                f"{column!r}, which the file does not have; columns are {header}")
    if src.malformed_rows != "error" and src.format != "csv":
        raise RecipeError(f"recipe {recipe.source}, [[{section}]] file {path}: malformed_rows "
                          "applies to CSV files only")
    if section != "neurons" and (src.type_rule or src.rows != "all"):
        raise RecipeError(f"recipe {recipe.source}, [[{section}]] file {path}: 'type_rule' and "
                          "'rows' apply to [[neurons]] tables only")
    renamed = {source: name for name, source in src.columns.items()}
    graph_names = {renamed.get(c, c) for c in header} | set(src.columns)
    for name in src.constants:
        if name in graph_names and name not in src.drop:
            raise RecipeError(
                f"recipe {recipe.source}, [[{section}]] file {path}: constant {name!r} is also "
                "a column of the file; drop the column or rename the constant")
    for name in src.values:
        if name not in graph_names or name in src.drop:
            raise RecipeError(
                f"recipe {recipe.source}, [[{section}]] file {path}: 'values' maps column "
                f"{name!r}, which the table does not have; columns are {sorted(graph_names)}")


def _check_synapse_sources(recipe: Recipe) -> None:
    for src in recipe.synapses:
        if (src.folder is None) == (src.file is None):
            raise RecipeError(f"recipe {recipe.source}, [[synapses]]: give exactly one of "
                              "'folder' or 'file'")
        where = recipe.path(src.folder or src.file)
        if not (where.is_dir() if src.folder else where.is_file()):
            raise RecipeError(f"recipe {recipe.source}, [[synapses]]: {where} does not exist")
        paths = src.paths(recipe)
        if not paths:
            raise RecipeError(f"recipe {recipe.source}, [[synapses]]: folder {where} holds no "
                              f"*.{src.format} files")
        _check_synapse_properties(recipe, src)
        extra = tuple(src.pre_properties.values())
        if src.transmitter is not None:
            extra += (src.transmitter.transmitter, src.transmitter.probability)
        for path in paths:
            header = _check_columns(recipe, "synapses", path, src.format, src.columns,
                                    SYNAPSE_COLUMNS[src.kind])
            for column in extra:
                if column not in header:
                    raise RecipeError(
                        f"recipe {recipe.source}, [[synapses]] file {path}: column {column!r} "
                        f"(a synapse property's source) does not exist; columns are {header}",
                        file=str(path), column=column)
    for src in recipe.synapse_partners:
        path = recipe.path(src.file)
        if not path.is_file():
            raise RecipeError(f"recipe {recipe.source}, [[synapse_partners]]: file {path} "
                              "does not exist")
        _check_columns(recipe, "synapse_partners", path, src.format, src.columns,
                       SYNAPSE_PARTNER_COLUMNS)
    if recipe.synapse_partners and not any(s.kind == "points" for s in recipe.synapses):
        raise RecipeError(f"recipe {recipe.source}: [[synapse_partners]] refer to synapse ids, "
                          "which only [[synapses]] sources of kind 'points' define")


def _check_synapse_properties(recipe: Recipe, src: SynapseSource) -> None:
    """A source's T-bar properties: only on ``synapse_connections`` rows, names
    that are Cypher names and not the loader's own keys, each set once."""
    names = src.property_names()
    if not names and src.transmitter is None:
        return
    where = f"recipe {recipe.source}, [[synapses]] {src.file or src.folder}"
    if src.kind != "synapse_connections":
        raise RecipeError(f"{where}: pre_properties and transmitter are read from "
                          f"'synapse_connections' sources only, not kind {src.kind!r}")
    if src.transmitter is not None:
        if not src.transmitter.properties:
            raise RecipeError(f"{where}: [synapses.transmitter] properties maps no "
                              "transmitter onto a property")
        doubled = sorted(set(src.pre_properties) & set(src.transmitter.properties.values()))
        if doubled:
            raise RecipeError(f"{where}: properties {doubled} are set both by pre_properties "
                              "and by transmitter")
        for text, name in src.transmitter.properties.items():
            if not re.fullmatch(NT_PROBABILITY_PROPERTY, name):
                raise RecipeError(f"{where}: transmitter {text!r} maps onto {name!r}, not a "
                                  "neuPrint transmitter probability name (nt<Transmitter>Prob, "
                                  "e.g. ntGabaProb)")
    for name in names:
        if name in RESERVED_SYNAPSE_PROPERTIES:
            raise RecipeError(f"{where}: {name!r} is a synapse key the loader sets; "
                              "give the property another name")
        _recipe_name(recipe, name, f"[[synapses]] {src.file or src.folder}: synapse property")
