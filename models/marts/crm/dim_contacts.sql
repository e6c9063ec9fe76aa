-- One row per valid contact. Email and phone are left out entirely, not
-- even hashed: analysts need no PII to count contacts.
with

contacts as (
    select * from {{ ref('stg_app__contacts') }}
),

contact_grades as (
    select * from {{ ref('contact_grades') }}
),

final as (
    select
        contacts.contact_id,
        contacts.tenant_id,
        contacts.grade,
        -- The seed's rank is an integer; marts expose bigint counts/ranks.
        cast(contact_grades.grade_rank as bigint) as grade_rank,
        contacts.source,
        contacts.created_at,
        contacts.updated_at
    from contacts
    left join contact_grades
        on contacts.grade = contact_grades.grade
)

select * from final
