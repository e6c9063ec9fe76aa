-- The KPIs that anomaly detection watches, one row each, and how each is
-- judged (kind, adverse direction, minimum denominator, minimum deviation
-- unit, training window). The list and the reasons for its settings are
-- in the macro insight_kpis(), which int_kpi_points_unioned reads too.
with

final as (
    {{ union_insight_kpis() }}
)

select * from final
