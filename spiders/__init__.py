"""clipper's spiders: one module per source, small leaves on shared bases (spiders.base)."""
