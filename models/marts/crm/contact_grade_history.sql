-- A contact's grade as a series of validity intervals (a type-2 history):
-- the first row starts at the contact's created_at, each grade change
-- starts a new one. Only contacts of the valid contacts snapshot have a
-- history: without created_at there is no start.
with

contacts as (
    select * from {{ ref('stg_app__contacts') }}
),

contact_events as (
    select * from {{ ref('stg_events__contact_events') }}
),

grade_changes as (
    -- A change logged before the contact's created_at (clock skew) is
    -- moved to created_at, so the history always starts there.
    select
        contact_events.event_id,
        contact_events.contact_id,
        contacts.tenant_id,
        contact_events.old_grade,
        contact_events.new_grade,
        contact_events.occurred_at,
        case
            when contact_events.occurred_at < contacts.created_at
                then contacts.created_at
            else contact_events.occurred_at
        end as valid_from
    from contact_events
    inner join contacts
        on contact_events.contact_id = contacts.contact_id
    where contact_events.action = 'grade_change'
),

grade_changes_ordered as (
    {{ first_row_per('grade_changes', 'contact_id') }}
),

first_changes as (
    select * from grade_changes_ordered
    where row_order = 1
),

initial_rows as (
    -- Before its first change a contact had that change's old grade;
    -- with no change at all, its current grade.
    select
        contacts.contact_id,
        contacts.tenant_id,
        contacts.created_at as valid_from,
        case
            when first_changes.contact_id is not null
                then first_changes.old_grade
            else contacts.grade
        end as grade,
        0 as change_order
    from contacts
    left join first_changes
        on contacts.contact_id = first_changes.contact_id
),

change_rows as (
    select
        contact_id,
        tenant_id,
        valid_from,
        new_grade as grade,
        row_order as change_order
    from grade_changes_ordered
),

unioned as (
    select * from initial_rows
    union all
    select * from change_rows
),

unioned_ranked as (
    -- Several rows starting at the same instant (a change at created_at,
    -- two changes at once): the last one is the state from then on.
    {%- set last_first = 'change_order desc' %}
    {{ first_row_per('unioned', 'contact_id, valid_from', last_first) }}
),

deduplicated as (
    select
        contact_id,
        tenant_id,
        valid_from,
        grade
    from unioned_ranked
    where row_order = 1
),

final as (
    select
        contact_id,
        valid_from,
        tenant_id,
        grade,
        lead(valid_from) over (
            partition by contact_id
            order by valid_from
        ) as valid_to,
        (
            lead(valid_from) over (
                partition by contact_id
                order by valid_from
            ) is null
        ) as is_current
    from deduplicated
)

select * from final
