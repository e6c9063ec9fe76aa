{%- set key_columns = ['template_id'] -%}

{{ assert_source_columns('app', 'templates') }}

with

source as (

    select * from {{ source('app', 'templates') }}

),

renamed as (

    select
        cast(template_id as varchar) as template_id,
        cast(tenant_id as varchar) as tenant_id,
        cast(brand_id as varchar) as brand_id,
        cast(owner_user_id as varchar) as owner_user_id,
        cast(team_id as varchar) as team_id,
        cast(scope as varchar) as scope,
        cast(language as varchar) as language,
        cast(format as varchar) as format,
        cast(created_at as timestamp) as created_at,
        cast(deleted_at as timestamp) as deleted_at,
        cast(_loaded_at as timestamp) as loaded_at,
        deleted_at is not null as is_deleted
    from source

),

ranked as (

    select
        renamed.*,
        {{ redelivery_rank(key_columns) }} as redelivery_rank,
        {{ copies_received(key_columns) }} as copies_received
    from renamed

)

select * from ranked
