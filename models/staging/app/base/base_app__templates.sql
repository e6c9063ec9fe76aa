{%- set table_name = 'templates' -%}
{%- set key_columns = ['template_id'] -%}
{%- set native_types = lake_native_types('app', table_name) -%}

{{ assert_source_columns('app', 'templates') }}

with

source as (

    select * from {{ source('app', 'templates') }}

),

landed as (

    select
        source.*,
        {{ same_load_copies(table_name, native_types) }}
            as same_load_copies
    from source

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
        {{ lake_value('created_at', 'timestamp', native_types) }} as created_at,
        {{ lake_value('deleted_at', 'timestamp', native_types) }} as deleted_at,
        {{ lake_value('_loaded_at', 'timestamp', native_types) }} as loaded_at,
        deleted_at is not null as is_deleted,
        {{ copy_invalid_reason(table_name, native_types) }}
            as copy_invalid_reason,
        {{ copy_fingerprint(table_name, native_types) }} as copy_fingerprint
    from landed

),

checked as (

    select
        renamed.*,
        {{ copy_reason(key_columns) }} as copy_reason
    from renamed

),

ranked as (

    select
        checked.*,
        {{ redelivery_rank(key_columns) }} as redelivery_rank,
        {{ copies_received(key_columns) }} as copies_received
    from checked

)

select * from ranked
