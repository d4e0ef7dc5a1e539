"""``connectograph demo``: start the local server, load the real hemibrain-mb
bundle (idempotently) and print a short tour of what is in it; then load the
MANC transmitter table and FlyWire's Codex tables and ask one question of each
(:data:`MORE_DATASETS`)."""

from __future__ import annotations

from typing import Callable

import pandas as pd

from .client import Client
from .criteria import NC, AtLeast, SynapseCriteria
from .fetch import (fetch_adjacencies, fetch_custom, fetch_neurons, fetch_simple_connections,
                    fetch_synapses)
from .utils import connection_table_to_matrix, merge_neuron_properties

DEMO_RECIPE = "hemibrain-mb"
DEMO_DATASET = "hemibrain-mb:v1.2.1"


def _section(echo: Callable[[str], None], title: str) -> None:
    echo("")
    echo(title)
    echo("-" * len(title))


def _show(echo: Callable[[str], None], df: pd.DataFrame, max_rows: int = 15) -> None:
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        echo(df.head(max_rows).to_string(index=False) if not isinstance(df.index, pd.MultiIndex)
             and df.index.name is None else df.head(max_rows).to_string())


def tour(client: Client, echo: Callable[[str], None] = print) -> None:
    """Print the tour of a loaded hemibrain-mb dataset."""
    neuron = client.dataset.label("Neuron")

    _section(echo, "1. What was loaded: neurons per cell class (Schlegel et al. 2024 annotation)")
    classes = fetch_custom(
        f"MATCH (n:{neuron}) RETURN coalesce(n.class, '(no class)') AS class, count(*) AS neurons "
        "ORDER BY neurons DESC, class LIMIT 12", client=client)
    _show(echo, classes)

    _section(echo, "2. MBONs with inputs in the alpha lobe aL(R)  [fetch_neurons]")
    mbons, roi_counts = fetch_neurons(NC(type="MBON.*", inputRois=["aL(R)"]), client=client)
    in_al = roi_counts[roi_counts["roi"] == "aL(R)"][["bodyId", "post"]].rename(
        columns={"post": "PSDs in aL(R)"})
    table = mbons[["bodyId", "type", "instance", "status", "post"]].merge(in_al, on="bodyId")
    _show(echo, table.sort_values("PSDs in aL(R)", ascending=False))

    _section(echo, "3. Strongest inputs of MBON14 by ROI  [fetch_adjacencies]")
    neurons_df, conn = fetch_adjacencies(targets=NC(type="MBON14"), client=client)
    conn = merge_neuron_properties(neurons_df, conn, ["type"])
    by_roi = (conn.groupby(["type_pre", "roi"], dropna=False)["weight"].sum()
              .sort_values(ascending=False).head(10).reset_index())
    _show(echo, by_roi)

    _section(echo, "4. Uniglomerular PN type x KC type weights in the calyx CA(R)  "
                   "[connection_table_to_matrix]")
    neurons_df, conn = fetch_adjacencies(NC(type=".*_.*PN"), NC(type="KC.*"), rois=["CA(R)"],
                                         client=client)
    conn = merge_neuron_properties(neurons_df, conn, ["type"])
    matrix = connection_table_to_matrix(conn, "type")
    top_pns = matrix.sum(axis=1).sort_values(ascending=False).head(10).index
    top_kcs = matrix.sum(axis=0).sort_values(ascending=False).head(8).index
    _show(echo, matrix.loc[top_pns, top_kcs], max_rows=10)
    echo(f"({matrix.shape[0]} PN types x {matrix.shape[1]} KC types, "
         f"{int(matrix.to_numpy().sum()):,} PSDs in all)")

    _section(echo, "Explore further")
    echo("  Python:  from connectograph import Client, NC, fetch_neurons, fetch_adjacencies")
    echo(f"           c = Client(dataset='{client.dataset}')")
    echo("  Browser: connectograph neo4j status   (prints the Neo4j Browser address)")
    echo(f"  Cypher:  MATCH (n:{neuron} {{type: 'MBON14'}})<-[e:ConnectsTo]-(m) "
         "RETURN m.type, sum(e.weight) AS w ORDER BY w DESC LIMIT 5")


def tour_manc(client: Client, echo: Callable[[str], None] = print) -> None:
    """One question of manc-nt: the predicted transmitters of MANC neurons."""
    _section(echo, "5. MANC: neurons per predicted transmitter, and those with "
                   "ntGabaProb >= 0.9  [fetch_neurons, NC(ntGabaProb=AtLeast(0.9))]")
    neurons, _ = fetch_neurons(NC(predictedNt=["acetylcholine", "gaba", "glutamate"]),
                               client=client, omit_rois=True)
    per_nt = (neurons.groupby("predictedNt")
              .agg(neurons=("bodyId", "size"), mean_prob=("predictedNtProb", "mean"))
              .rename(columns={"mean_prob": "mean predictedNtProb"}).round(3).reset_index())
    _show(echo, per_nt)
    sure, _ = fetch_neurons(NC(ntGabaProb=AtLeast(0.9)), client=client, omit_rois=True)
    echo(f"{len(sure):,} neurons have ntGabaProb >= 0.9")


def tour_flywire(client: Client, echo: Callable[[str], None] = print) -> None:
    """One question of flywire-mb783: KC types onto MBONs, by the KCs' transmitter."""
    _section(echo, "6. FlyWire v783: Kenyon cell types onto MBONs, with the KCs' predicted "
                   "transmitter  [fetch_adjacencies, 64-bit root ids]")
    neurons_df, conn = fetch_adjacencies(NC(mbGroup="KC"), NC(mbGroup="MBON"),
                                         properties=["type", "predictedNt"], client=client)
    conn = merge_neuron_properties(neurons_df, conn, ["type", "predictedNt"])
    table = (conn.groupby(["type_pre", "predictedNt_pre"])["weight"].sum()
             .sort_values(ascending=False).reset_index())
    _show(echo, table)
    echo(f"(e.g. root id {conn['bodyId_pre'].iloc[0]}: FlyWire's ids, exact as int64)")


def tour_celegans(client: Client, echo: Callable[[str], None] = print) -> None:
    """One question of witvliet2021:d8: AVAL's gap-junction partners beside
    its chemical inputs, in the adult C. elegans."""
    _section(echo, "7. C. elegans adult (Witvliet et al. 2021, animal 8): AVAL's gap-junction "
                   "partners and its chemical inputs  [fetch_simple_connections, "
                   "synapse_type='both']")
    conn = fetch_simple_connections(None, NC(instance="AVAL"), synapse_type="both",
                                    client=client)
    table = (conn.pivot_table(index=["instance_pre", "type_pre"], columns="synapse_type",
                              values="weight", aggfunc="sum", fill_value=0)
             .sort_values(["electrical", "chemical"], ascending=False).head(12).reset_index())
    _show(echo, table)
    echo("(gap junctions are symmetric: AVAL's electrical partners are also its downstream "
         "ones; bodyIds are minted from the names, the same in all eight animals)")


def tour_hemibrain_nt(client: Client, echo: Callable[[str], None] = print) -> None:
    """One question of hemibrain-nt:v1.2.1: the T-bars of the 105 neurons per
    predicted transmitter (per-synapse predictions)."""
    _section(echo, "8. hemibrain, per-synapse transmitters (Eckstein et al. 2024): T-bars per "
                   "predicted transmitter  [fetch_synapses(..., nt='max')]")
    tbars = fetch_synapses(NC(pre=AtLeast(1)), SynapseCriteria(type="pre"), nt="max",
                           client=client)
    table = (tbars.groupby("nt", observed=True)
             .agg(tbars=("bodyId", "size"), neurons=("bodyId", "nunique"),
                  mean_probability=("ntProb", "mean"))
             .sort_values("tbars", ascending=False).reset_index())
    _show(echo, table.round({"mean_probability": 3}))


#: The datasets the demo loads after the hemibrain bundle: (recipe, dataset, tour).
MORE_DATASETS = [("manc-nt", "manc-nt:v1", tour_manc),
                 ("flywire-mb783", "flywire-mb783:v783", tour_flywire),
                 ("celegans-witvliet2021", "witvliet2021:d8", tour_celegans),
                 ("hemibrain-synapse-nt", "hemibrain-nt:v1.2.1", tour_hemibrain_nt)]
