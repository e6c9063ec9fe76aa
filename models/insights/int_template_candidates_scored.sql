-- Template candidates per cut-off date and user, with the evidence behind
-- them, from template use/apply rows dated before the cut-off only.
-- Candidates are templates the user's tenant can use at the cut-off (its
-- own, created and not deleted, or brand templates of brands it carries):
-- another tenant's own templates are never candidates; other tenants'
-- use counts only reach a user as the plan-wide popularity of a brand
-- template its tenant carries. Sources: the user's own uses, the team's
-- 20 most used, the tenant's 20 most used, and the 10 brand templates most
-- used by tenants on the same plan (every template a large team ever used,
-- for each of its users, grew with the square of the team's size).
{#- a template exists at the cut-off: created before it, not yet deleted -#}
{%- set template_alive = "population.cutoff_at > templates.created_at"
    ~ " and (templates.deleted_at is null"
    ~ " or population.cutoff_at <= templates.deleted_at)" %}
with

cutoffs as (
    select * from {{ ref('int_insight_cutoffs_listed') }}
),

users as (
    select
        user_id,
        tenant_id,
        team_id,
        created_at,
        deleted_at
    from {{ ref('stg_app__users') }}
),

tenants as (
    select
        tenant_id,
        plan
    from {{ ref('stg_app__tenants') }}
),

templates as (
    select
        template_id,
        tenant_id,
        brand_id,
        scope,
        language,
        format,
        created_at,
        deleted_at
    from {{ ref('stg_app__templates') }}
),

carried as (
    select
        brand_id,
        tenant_id
    from {{ ref('stg_app__brand_retailers') }}
),

uses as (
    select
        template_events.tenant_id,
        template_events.user_id,
        users.team_id,
        tenants.plan,
        template_events.template_id,
        template_events.occurred_at
    from {{ ref('stg_events__template_events') }} as template_events
    inner join users
        on template_events.user_id = users.user_id
    inner join tenants
        on template_events.tenant_id = tenants.tenant_id
    where template_events.action in ('use', 'apply')
),

uses_before as (
    select
        cutoffs.cutoff_date,
        uses.tenant_id,
        uses.user_id,
        uses.team_id,
        uses.plan,
        uses.template_id
    from cutoffs
    inner join uses
        on cutoffs.cutoff_at > uses.occurred_at
),

population as (
    -- users who exist at the cut-off
    select
        cutoffs.cutoff_date,
        cutoffs.cutoff_at,
        users.user_id,
        users.tenant_id,
        users.team_id,
        tenants.plan
    from cutoffs
    inner join users
        on
            cutoffs.cutoff_at > users.created_at
            and (
                users.deleted_at is null
                or cutoffs.cutoff_at <= users.deleted_at
            )
    inner join tenants
        on users.tenant_id = tenants.tenant_id
),

user_counts as (
    select
        cutoff_date,
        user_id,
        template_id,
        count(*) as uses
    from uses_before
    group by cutoff_date, user_id, template_id
),

team_counts as (
    select
        cutoff_date,
        tenant_id,
        team_id,
        template_id,
        count(*) as uses,
        row_number() over (
            partition by cutoff_date, tenant_id, team_id
            order by count(*) desc, template_id asc
        ) as popularity_rank
    from uses_before
    group by cutoff_date, tenant_id, team_id, template_id
),

tenant_counts as (
    select
        cutoff_date,
        tenant_id,
        template_id,
        count(*) as uses,
        row_number() over (
            partition by cutoff_date, tenant_id
            order by count(*) desc, template_id asc
        ) as popularity_rank
    from uses_before
    group by cutoff_date, tenant_id, template_id
),

plan_brand_counts as (
    select
        uses_before.cutoff_date,
        uses_before.plan,
        uses_before.template_id,
        count(*) as uses,
        row_number() over (
            partition by uses_before.cutoff_date, uses_before.plan
            order by count(*) desc, uses_before.template_id asc
        ) as popularity_rank
    from uses_before
    inner join templates
        on uses_before.template_id = templates.template_id
    where templates.brand_id is not null
    group by uses_before.cutoff_date, uses_before.plan, uses_before.template_id
),

totals as (
    select
        population.cutoff_date,
        population.user_id,
        coalesce(sum(user_counts.uses), 0) as user_uses_total
    from population
    left join user_counts
        on
            population.cutoff_date = user_counts.cutoff_date
            and population.user_id = user_counts.user_id
    group by population.cutoff_date, population.user_id
),

team_sums as (
    select
        cutoff_date,
        tenant_id,
        team_id,
        sum(uses) as uses
    from team_counts
    group by cutoff_date, tenant_id, team_id
),

tenant_sums as (
    select
        cutoff_date,
        tenant_id,
        sum(uses) as uses
    from tenant_counts
    group by cutoff_date, tenant_id
),

plan_sums as (
    select
        cutoff_date,
        plan,
        sum(uses) as uses
    from plan_brand_counts
    group by cutoff_date, plan
),

scope_totals as (
    select
        population.cutoff_date,
        population.user_id,
        team_sums.uses as team_uses_total,
        tenant_sums.uses as tenant_uses_total,
        plan_sums.uses as plan_uses_total
    from population
    left join team_sums
        on
            population.cutoff_date = team_sums.cutoff_date
            and population.tenant_id = team_sums.tenant_id
            and population.team_id = team_sums.team_id
    left join tenant_sums
        on
            population.cutoff_date = tenant_sums.cutoff_date
            and population.tenant_id = tenant_sums.tenant_id
    left join plan_sums
        on
            population.cutoff_date = plan_sums.cutoff_date
            and population.plan = plan_sums.plan
),

candidate_keys as (
    select
        cutoff_date,
        user_id,
        template_id
    from user_counts
    union
    select
        population.cutoff_date,
        population.user_id,
        team_counts.template_id
    from population
    inner join team_counts
        on
            population.cutoff_date = team_counts.cutoff_date
            and population.tenant_id = team_counts.tenant_id
            and population.team_id = team_counts.team_id
    where team_counts.popularity_rank <= 20
    union
    select
        population.cutoff_date,
        population.user_id,
        tenant_counts.template_id
    from population
    inner join tenant_counts
        on
            population.cutoff_date = tenant_counts.cutoff_date
            and population.tenant_id = tenant_counts.tenant_id
    where tenant_counts.popularity_rank <= 20
    union
    select
        population.cutoff_date,
        population.user_id,
        plan_brand_counts.template_id
    from population
    inner join plan_brand_counts
        on
            population.cutoff_date = plan_brand_counts.cutoff_date
            and population.plan = plan_brand_counts.plan
    where plan_brand_counts.popularity_rank <= 10
),

-- The user's language and format: those of most of its own uses, else of
-- its team's (ties: alphabetical). Counted per (language, format) first:
-- joining each user to every use of its team grew with the square of the
-- team's size (a 1,500-user team at scale 10).
languages_used as (
    select
        uses_before.cutoff_date,
        uses_before.tenant_id,
        uses_before.team_id,
        uses_before.user_id,
        templates.language,
        templates.format,
        count(*) as uses
    from uses_before
    inner join templates
        on uses_before.template_id = templates.template_id
    group by
        uses_before.cutoff_date,
        uses_before.tenant_id,
        uses_before.team_id,
        uses_before.user_id,
        templates.language,
        templates.format
),

team_languages as (
    select
        cutoff_date,
        tenant_id,
        team_id,
        language,
        format,
        sum(uses) as uses
    from languages_used
    group by cutoff_date, tenant_id, team_id, language, format
),

language_votes as (
    -- one row per user's own (language, format) and per its team's; the
    -- group by below adds them up (a null language groups like a value)
    select
        population.cutoff_date,
        population.user_id,
        team_languages.language,
        team_languages.format,
        0 as own_uses,
        team_languages.uses as team_uses
    from population
    inner join team_languages
        on
            population.cutoff_date = team_languages.cutoff_date
            and population.tenant_id = team_languages.tenant_id
            and population.team_id = team_languages.team_id
    union all
    select
        population.cutoff_date,
        population.user_id,
        languages_used.language,
        languages_used.format,
        languages_used.uses as own_uses,
        0 as team_uses
    from population
    inner join languages_used
        on
            population.cutoff_date = languages_used.cutoff_date
            and population.user_id = languages_used.user_id
            and population.tenant_id = languages_used.tenant_id
            and population.team_id = languages_used.team_id
),

preferences as (
    select
        cutoff_date,
        user_id,
        language,
        format,
        row_number() over (
            partition by cutoff_date, user_id
            order by
                sum(own_uses) desc,
                sum(team_uses) desc,
                language asc,
                format asc
        ) as preference_rank
    from language_votes
    group by cutoff_date, user_id, language, format
),

final as (
    select
        population.tenant_id,
        population.team_id,
        population.user_id,
        population.cutoff_date,
        candidate_keys.template_id,
        templates.brand_id is not null as is_brand_template,
        templates.language,
        templates.format,
        coalesce(totals.user_uses_total, 0) as user_uses_total,
        coalesce(user_counts.uses, 0) as user_uses,
        {{ safe_divide('coalesce(user_counts.uses, 0)',
            'totals.user_uses_total') }} as user_share,
        {{ safe_divide('coalesce(team_counts.uses, 0)',
            'scope_totals.team_uses_total') }} as team_share,
        {{ safe_divide('coalesce(tenant_counts.uses, 0)',
            'scope_totals.tenant_uses_total') }} as tenant_share,
        case
            when templates.brand_id is not null
                then {{ safe_divide('coalesce(plan_brand_counts.uses, 0)',
                    'scope_totals.plan_uses_total') }}
        end as plan_brand_share,
        preferences.language is null
        or preferences.language = templates.language as is_language_match,
        preferences.format is null or preferences.format = templates.format
            as is_format_match
    from candidate_keys
    inner join population
        on
            candidate_keys.cutoff_date = population.cutoff_date
            and candidate_keys.user_id = population.user_id
    -- usable by the tenant at the cut-off: its own template, or a brand
    -- template (no tenant) of a brand it carries. Checked per candidate:
    -- listing every usable (user, template) pair first made 605 million
    -- rows at scale 10.
    inner join templates
        on candidate_keys.template_id = templates.template_id
    left join carried
        on
            templates.brand_id = carried.brand_id
            and population.tenant_id = carried.tenant_id
    left join totals
        on
            candidate_keys.cutoff_date = totals.cutoff_date
            and candidate_keys.user_id = totals.user_id
    left join scope_totals
        on
            candidate_keys.cutoff_date = scope_totals.cutoff_date
            and candidate_keys.user_id = scope_totals.user_id
    left join user_counts
        on
            candidate_keys.cutoff_date = user_counts.cutoff_date
            and candidate_keys.user_id = user_counts.user_id
            and candidate_keys.template_id = user_counts.template_id
    left join team_counts
        on
            candidate_keys.cutoff_date = team_counts.cutoff_date
            and population.tenant_id = team_counts.tenant_id
            and population.team_id = team_counts.team_id
            and candidate_keys.template_id = team_counts.template_id
    left join tenant_counts
        on
            candidate_keys.cutoff_date = tenant_counts.cutoff_date
            and population.tenant_id = tenant_counts.tenant_id
            and candidate_keys.template_id = tenant_counts.template_id
    left join plan_brand_counts
        on
            candidate_keys.cutoff_date = plan_brand_counts.cutoff_date
            and population.plan = plan_brand_counts.plan
            and candidate_keys.template_id = plan_brand_counts.template_id
    left join preferences
        on
            candidate_keys.cutoff_date = preferences.cutoff_date
            and candidate_keys.user_id = preferences.user_id
            and preferences.preference_rank = 1
    where
        {{ template_alive }}
        and (
            templates.tenant_id = population.tenant_id
            or (templates.tenant_id is null and carried.tenant_id is not null)
        )
)

select * from final
