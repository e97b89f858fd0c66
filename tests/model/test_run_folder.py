"""Tests for model/run_folder.py: what a run keeps in its folder and the model it exports."""

import json

import keras
import numpy as np
import tensorflow as tf

from model import bins, inference, network, run_folder


def test_export_writes_a_loadable_model_and_its_description(model_path, colorizer, untrained_network):
    folder = model_path.parent
    description = json.loads((folder / inference.MODEL_CONFIG_NAME).read_text())
    assert description["architecture"] == network.UNET_ARCHITECTURE
    assert (folder / run_folder.HISTORY_NAME).exists()
    assert colorizer.temperature == 0.4
    assert colorizer.working_size == inference.WORKING_SIZE
    np.testing.assert_array_equal(colorizer.centers, bins.bin_centers())
    lightness = tf.random.uniform((1, 16, 16, 1), -1.0, 1.0)
    np.testing.assert_allclose(colorizer.model(lightness, training=False), untrained_network(lightness, training=False),
                               atol=1e-5)


def test_the_best_validation_loss_is_read_from_the_history(tmp_path):
    assert run_folder.best_validation_loss(str(tmp_path)) is None
    (tmp_path / run_folder.HISTORY_CSV_NAME).write_text("epoch,loss,val_loss\n0,4.5,4.4\n1,4.3,\n2,4.1,4.2\n")
    assert run_folder.validation_losses(str(tmp_path)) == {0: 4.4, 2: 4.2}
    assert run_folder.best_validation_loss(str(tmp_path)) == 4.2


def test_a_new_run_does_not_inherit_an_old_runs_backup_or_history(tmp_path):
    (tmp_path / run_folder.BACKUP_DIR).mkdir()
    (tmp_path / run_folder.HISTORY_CSV_NAME).write_text("epoch,val_loss\n0,4.4\n")
    (tmp_path / run_folder.MODEL_NAME).write_text("the old run's model stays until the new one replaces it")
    run_folder.start_afresh(str(tmp_path))
    assert sorted(path.name for path in tmp_path.iterdir()) == [run_folder.MODEL_NAME]


def test_write_json_replaces_the_file_whole(tmp_path):
    path = str(tmp_path / "clock.json")
    run_folder.write_json(path, {"trained_seconds": 1.0})
    run_folder.write_json(path, {"trained_seconds": 2.0})
    assert run_folder.read_json(path) == {"trained_seconds": 2.0}
    assert sorted(path.name for path in tmp_path.iterdir()) == ["clock.json"]


def test_export_can_take_the_last_epoch_instead_of_the_best(untrained_network, tmp_path):
    untrained_network.save(tmp_path / run_folder.BEST_NAME)
    last = keras.models.clone_model(untrained_network)
    last.set_weights([weight + 1.0 for weight in untrained_network.get_weights()])
    last.save(tmp_path / run_folder.CHECKPOINT_NAME)
    description = {"architecture": network.UNET_ARCHITECTURE, "ab_bin_centers": bins.bin_centers().tolist()}
    run_folder.export(str(tmp_path), description)
    exported = keras.saving.load_model(tmp_path / run_folder.MODEL_NAME, compile=False)
    np.testing.assert_array_equal(exported.get_weights()[0], untrained_network.get_weights()[0])
    run_folder.export(str(tmp_path), description, last_epoch=True)
    exported = keras.saving.load_model(tmp_path / run_folder.MODEL_NAME, compile=False)
    np.testing.assert_array_equal(exported.get_weights()[0], last.get_weights()[0])
