{%- set key_columns = ['template_id'] -%}

{{ assert_source_columns('app', 'templates') }}

with

source as (

    select * from {{ source('app', 'templates') }}

),

renamed as (

    select
        cast(template_id as {{ dbt.type_string() }}) as template_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(brand_id as {{ dbt.type_string() }}) as brand_id,
        cast(owner_user_id as {{ dbt.type_string() }}) as owner_user_id,
        cast(team_id as {{ dbt.type_string() }}) as team_id,
        cast(scope as {{ dbt.type_string() }}) as scope,
        cast(language as {{ dbt.type_string() }}) as language,
        cast(format as {{ dbt.type_string() }}) as format,
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
